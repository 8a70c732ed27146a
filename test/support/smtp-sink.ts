import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { type ParsedMail, parseMail } from './smtp-sink-mime.js'

export interface SinkMail {
  /** `MAIL FROM` and `RCPT TO` as the server saw them. */
  envelope: { from: string; to: string[] }
  /** The user that logged in for this mail, if any. */
  user: string | undefined
  raw: string
  parsed: ParsedMail
}

export interface SmtpSink {
  host: '127.0.0.1'
  port: number
  mails: SinkMail[]
  /** SMTP connections (sessions) clients have opened so far. */
  connections(): number
  /** Connections open now. */
  openConnections(): number
  /** Accept only this login (any login is accepted until this is called). */
  requireLogin(user: string, pass: string): void
  /** Reject `RCPT TO` for this address with this reply code (550 by default). */
  rejectRecipient(address: string, code?: number, text?: string): void
  /** Answer the next DATA with this code (e.g. 451 for a temporary failure). */
  failNextData(code: number, text: string): void
  close(): Promise<void>
}

function smtpReply(code: number, text: string): Error {
  // smtp-server sends `responseCode` as the reply code.
  return Object.assign(new Error(text), { responseCode: code })
}

/** A real SMTP server on loopback, no TLS, that keeps every mail it accepts. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SinkMail[] = []
  let login: { user: string; pass: string } | undefined
  const rejected = new Map<string, { code: number; text: string }>()
  const dataFailures: { code: number; text: string }[] = []
  let opened = 0
  let closed = 0

  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    // Plain TCP on loopback: no STARTTLS to offer, and AUTH allowed without it.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onConnect(_session, callback) {
      opened += 1
      callback()
    },
    onClose() {
      closed += 1
    },
    onAuth(auth, _session, callback) {
      if (login && (auth.username !== login.user || auth.password !== login.pass)) {
        callback(smtpReply(535, '5.7.8 Authentication credentials invalid'))
        return
      }
      callback(null, { user: auth.username ?? '' })
    },
    onRcptTo(address, _session, callback) {
      const rule = rejected.get(address.address.toLowerCase())
      callback(rule ? smtpReply(rule.code, rule.text) : null)
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const failure = dataFailures.shift()
        if (failure) {
          callback(smtpReply(failure.code, failure.text))
          return
        }
        const raw = Buffer.concat(chunks).toString('utf8')
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address
        mails.push({
          envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) },
          user: typeof session.user === 'string' ? session.user : undefined,
          raw,
          parsed: parseMail(raw),
        })
        callback(null)
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    host: '127.0.0.1',
    port,
    mails,
    connections: () => opened,
    openConnections: () => opened - closed,
    requireLogin(user, pass) {
      login = { user, pass }
    },
    rejectRecipient(address, code = 550, text = '5.1.1 Mailbox unavailable') {
      rejected.set(address.toLowerCase(), { code, text })
    },
    failNextData(code, text) {
      dataFailures.push({ code, text })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
