import nodemailer, { type SMTPTransportOptions } from 'nodemailer'
import { type EmailSmtpOptions, emailDefaults } from './schema.js'

export interface SmtpTarget {
  transporter: ReturnType<typeof createTransport>
  /** `host:port`, for error messages and logs. */
  server: string
  user: string | undefined
}

function createTransport(options: SMTPTransportOptions) {
  return nodemailer.createTransport(options)
}

/** nodemailer options from the plugin's `smtp` block: one connection per mail, no pool to keep alive. */
export function smtpTransportOptions(smtp: EmailSmtpOptions): SMTPTransportOptions {
  const secure = smtp.secure ?? emailDefaults.secure
  const timeoutMs = smtp.timeoutMs ?? emailDefaults.timeoutMs
  const options: SMTPTransportOptions = {
    host: smtp.host,
    port: smtp.port ?? (secure ? 465 : 587),
    secure,
    // nodemailer's defaults (2 min to connect, 10 min idle) would hold a delivery slot far too long.
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
  }
  if (smtp.auth) options.auth = { user: smtp.auth.user, pass: smtp.auth.pass }
  if (smtp.requireTLS !== undefined) options.requireTLS = smtp.requireTLS
  if (smtp.tls?.rejectUnauthorized !== undefined) {
    options.tls = { rejectUnauthorized: smtp.tls.rejectUnauthorized }
  }
  return options
}

export function smtpTarget(smtp: EmailSmtpOptions): SmtpTarget {
  const options = smtpTransportOptions(smtp)
  return {
    transporter: createTransport(options),
    server: `${smtp.host}:${options.port}`,
    user: smtp.auth?.user,
  }
}
