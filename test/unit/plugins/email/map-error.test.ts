import { describe, expect, it } from 'vitest'
import { smtpError } from '../../../../plugins/email/map-error.js'

// Shaped like nodemailer's errors (code, responseCode, response, command).
const nm = (fields: Record<string, unknown>, message = 'failed') => Object.assign(new Error(message), fields)

describe('email SMTP error mapping', () => {
  it('maps temporary replies to transient and throttling replies to rate-limited', () => {
    expect(
      smtpError(
        nm({ code: 'EMESSAGE', responseCode: 451, response: '451 4.3.0 try later' }),
        'h:25',
        undefined,
      ).reason,
    ).toBe('transient')
    const throttled = smtpError(
      nm({
        code: 'EENVELOPE',
        responseCode: 454,
        response: '454 Throttling failure: Maximum sending rate exceeded',
      }),
      'h:25',
      undefined,
    )
    expect(throttled.reason).toBe('rate-limited')
    expect(throttled.retryAfterMs).toBe(60_000)
    expect(
      smtpError(
        nm({ code: 'EAUTH', responseCode: 454, response: '454 4.7.0 Temporary auth failure' }),
        'h',
        'u',
      ).reason,
    ).toBe('transient')
  })

  it('maps permanent rejections to invalid with a hint for the field to fix', () => {
    const rcpt = smtpError(
      nm({
        code: 'EENVELOPE',
        responseCode: 550,
        response: '550 5.1.1 no such user',
        command: 'RCPT TO',
        rejected: ['x@y.test'],
      }),
      'h:25',
      undefined,
    )
    expect(rcpt.reason).toBe('invalid')
    expect(rcpt.message).toContain('check the addresses in to and cc (rejected: x@y.test)')
    const sender = smtpError(
      nm({ code: 'EENVELOPE', responseCode: 553, response: '553 not owned', command: 'MAIL FROM' }),
      'h',
      'u',
    )
    expect(sender.reason).toBe('invalid')
    expect(sender.message).toContain('check from')
  })

  it('maps failed logins to auth, naming the user but never a password', () => {
    const err = smtpError(
      nm({ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad credentials' }),
      'smtp.x:587',
      'bot@x.test',
    )
    expect(err.reason).toBe('auth')
    expect(err.message).toContain('"bot@x.test"')
    expect(err.message).toContain('smtp.auth.pass')
    expect(smtpError(nm({ code: 'EAUTH' }), 'h', undefined).message).toContain('set smtp.auth.user')
  })

  it('maps refused connections and timeouts to transient with what to check', () => {
    const refused = smtpError(nm({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }), '127.0.0.1:2', undefined)
    expect(refused.reason).toBe('transient')
    expect(refused.message).toBe(
      'SMTP server 127.0.0.1:2: connection refused; check smtp.host and smtp.port and that the server is running',
    )
    expect(smtpError(nm({ code: 'ETIMEDOUT' }), 'h', undefined).reason).toBe('transient')
    expect(smtpError(new Error('boom'), 'h', undefined).reason).toBe('transient')
  })

  it('treats TLS setup failures and bad envelopes as configuration problems', () => {
    expect(smtpError(nm({ code: 'ETLS' }, 'wrong version number'), 'h', undefined).reason).toBe('invalid')
    expect(smtpError(nm({ code: 'EENVELOPE' }, 'No recipients defined'), 'h', undefined).reason).toBe(
      'invalid',
    )
  })
})
