import type Nodemailer from 'nodemailer'
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import { lazyModule } from '../../src/runtime/lazy-module.js'
import { type EmailSmtpOptions, emailDefaults } from './schema.js'

/** Loaded when the first email output is created, not at start. */
const nodemailer = lazyModule<typeof Nodemailer>('nodemailer')

export type SmtpOptions = SMTPPool.Options | SMTPTransport.Options

export interface SmtpTarget {
  transporter: ReturnType<typeof createTransport>
  /** `host:port`, for error messages and logs. */
  server: string
  user: string | undefined
  /** Mails the transport sends at the same time (the pool's connections; 1 without a pool). */
  concurrency: number
}

function createTransport(options: SmtpOptions) {
  // One overload per transport kind; both answer sendMail/verify/close the same way here.
  return nodemailer().createTransport(options as SMTPTransport.Options)
}

/**
 * nodemailer options from the plugin's `smtp` block. Pooled by default
 * (https://nodemailer.com/smtp/pooled/): connections stay open between mails, are replaced
 * after `maxMessages`, and `rateLimit` per `rateDelta` is shared by them. Closed on stop.
 */
export function smtpTransportOptions(smtp: EmailSmtpOptions): SmtpOptions {
  const secure = smtp.secure ?? emailDefaults.secure
  const timeoutMs = smtp.timeoutMs ?? emailDefaults.timeoutMs
  const base: SMTPTransport.Options = {
    host: smtp.host,
    port: smtp.port ?? (secure ? 465 : 587),
    secure,
    // nodemailer's defaults (2 min to connect, 10 min idle) would hold a delivery slot far too long.
    // An idle pooled connection is closed after this long too, and reopened for the next mail.
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
  }
  if (smtp.auth) base.auth = { user: smtp.auth.user, pass: smtp.auth.pass }
  if (smtp.requireTLS !== undefined) base.requireTLS = smtp.requireTLS
  if (smtp.tls?.rejectUnauthorized !== undefined) {
    base.tls = { rejectUnauthorized: smtp.tls.rejectUnauthorized }
  }
  if (!(smtp.pool ?? emailDefaults.pool)) return base
  const pooled: SMTPPool.Options = {
    ...(base as Omit<SMTPPool.Options, 'pool'>),
    pool: true,
    maxConnections: smtp.maxConnections ?? emailDefaults.maxConnections,
    maxMessages: smtp.maxMessages ?? emailDefaults.maxMessages,
    rateDelta: smtp.rateDelta ?? emailDefaults.rateDelta,
  }
  if (typeof smtp.rateLimit === 'number') pooled.rateLimit = smtp.rateLimit
  return pooled
}

export function smtpTarget(smtp: EmailSmtpOptions): SmtpTarget {
  const options = smtpTransportOptions(smtp)
  return {
    transporter: createTransport(options),
    server: `${smtp.host}:${options.port}`,
    user: smtp.auth?.user,
    concurrency:
      (smtp.pool ?? emailDefaults.pool) ? (smtp.maxConnections ?? emailDefaults.maxConnections) : 1,
  }
}
