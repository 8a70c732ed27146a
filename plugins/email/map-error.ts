import { errorMessage } from '../../src/errors.js'
import { OutputError } from '../../src/plugins/api.js'

/** The fields nodemailer sets on its errors (see nodemailer's `NodemailerError`). */
interface SmtpErrorShape {
  code?: unknown
  originalCode?: unknown
  responseCode?: unknown
  response?: unknown
  command?: unknown
  rejected?: unknown
}

/** A server that says it is throttling: pause this output, not just this message. */
const throttled = /rate|throttl|too many|exceeded|try again in/i
const throttlePauseMs = 60_000

const connectionCodes = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'EPROTOCOL', 'ESTREAM'])
const authCodes = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2'])

function reachError(e: SmtpErrorShape, code: string | undefined, said: string, err: unknown): OutputError {
  const original = typeof e.originalCode === 'string' ? e.originalCode : code
  const hint =
    original === 'ECONNREFUSED'
      ? 'connection refused; check smtp.host and smtp.port and that the server is running'
      : original === 'ENOTFOUND' || code === 'EDNS'
        ? 'host not found; check smtp.host'
        : code === 'ETIMEDOUT'
          ? 'no answer in time; check smtp.host, smtp.port and firewalls (will retry)'
          : `${errorMessage(err)} (will retry)`
  return new OutputError('transient', `${said}: ${hint}`, { cause: err })
}

/**
 * One OutputError for whatever nodemailer threw, the only place SMTP errors are interpreted:
 * 4xx replies and broken connections are transient (a throttling 4xx pauses the output), 5xx
 * replies are permanent rejections, failed logins are `auth`. `server` is `host:port`; the error
 * never carries the password.
 */
export function smtpError(err: unknown, server: string, user: string | undefined): OutputError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpErrorShape
  const code = typeof e.code === 'string' ? e.code : undefined
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined
  const reply = typeof e.response === 'string' ? e.response.replace(/\s+/g, ' ').trim().slice(0, 200) : ''
  const said = `SMTP server ${server}`
  const answered = reply === '' ? errorMessage(err) : `answered "${reply}"`

  // 4yz is a transient negative reply (RFC 5321 §4.2.1); 503 is a session-state hiccup.
  if (status !== undefined && ((status >= 400 && status < 500) || status === 503)) {
    if (throttled.test(reply)) {
      return new OutputError('rate-limited', `${said} is throttling: ${answered}; pausing this output`, {
        retryAfterMs: throttlePauseMs,
        cause: err,
      })
    }
    return new OutputError('transient', `${said} temporarily refused: ${answered}; will retry`, {
      cause: err,
    })
  }
  if ((code !== undefined && authCodes.has(code)) || status === 530 || status === 534 || status === 535) {
    const who = user === undefined ? 'without a login' : `as "${user}"`
    const fix =
      user === undefined
        ? 'the server wants a login: set smtp.auth.user and smtp.auth.pass'
        : 'check smtp.auth.user and smtp.auth.pass (Gmail and Microsoft 365 need an app password)'
    return new OutputError('auth', `${said} refused to log in ${who}: ${answered}; ${fix}`, { cause: err })
  }
  if (status !== undefined && status >= 500) {
    const command = typeof e.command === 'string' ? e.command : ''
    const fix = command.startsWith('RCPT')
      ? `check the addresses in to and cc${Array.isArray(e.rejected) ? ` (rejected: ${e.rejected.join(', ')})` : ''}`
      : command.startsWith('MAIL')
        ? 'check from: many servers only send as the logged-in account or a verified domain'
        : 'the server will not accept this message; see its answer'
    return new OutputError('invalid', `${said} rejected the message: ${answered}; ${fix}`, { cause: err })
  }
  if (code === 'ETLS' || code === 'EREQUIRETLS' || /certificate/i.test(errorMessage(err))) {
    return new OutputError(
      'invalid',
      `${said}: TLS failed (${errorMessage(err)}); check smtp.secure (true for port 465, false for 587) and smtp.tls`,
      { cause: err },
    )
  }
  if (code !== undefined && connectionCodes.has(code)) return reachError(e, code, said, err)
  if (code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'ECONFIG' || code === 'EMAXRECIPIENTS') {
    return new OutputError('invalid', `${said}: ${errorMessage(err)}; check from, to and cc`, { cause: err })
  }
  return new OutputError('transient', `${said}: ${errorMessage(err)}; will retry`, { cause: err })
}
