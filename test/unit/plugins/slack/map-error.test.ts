import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api'
import { describe, expect, it } from 'vitest'
import { mapSlackError } from '../../../../plugins/slack/map-error.js'
import { ErrorCodes } from '../../../../src/errors.js'

const platform = (error: string, extra: Record<string, unknown> = {}) =>
  mapSlackError(new WebAPIPlatformError({ ok: false, error, ...extra }), 'slack.support', 'chat.update')

describe('Slack errors as output errors', () => {
  it('maps a rejected 429 to rate-limited with the Retry-After in ms', () => {
    const err = mapSlackError(new WebAPIRateLimitedError(30), 'slack.support', 'chat.postMessage')
    expect(err.reason).toBe('rate-limited')
    expect(err.code).toBe(ErrorCodes.OUTPUT_RATE_LIMITED)
    expect(err.retryAfterMs).toBe(30_000)
  })

  it('maps a `ratelimited` platform error to rate-limited, with the header when present', () => {
    expect(platform('ratelimited', { response_metadata: { retryAfter: 5 } }).retryAfterMs).toBe(5000)
    expect(platform('ratelimited').reason).toBe('rate-limited')
  })

  it.each(['message_not_found', 'cant_update_message', 'edit_window_closed'])('%s → gone', (code) => {
    expect(platform(code).reason).toBe('gone')
  })

  it.each(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked'])(
    '%s → auth with what to do',
    (code) => {
      const err = platform(code)
      expect(err.reason).toBe('auth')
      expect(err.message).toBe(
        `Slack rejected the token for output slack.support: ${code} — create a bot token with chat:write and set outputs["slack.support"].token`,
      )
    },
  )

  it('names the missing scope', () => {
    const err = platform('missing_scope', { needed: 'chat:write.customize' })
    expect(err.reason).toBe('auth')
    expect(err.message).toContain('chat:write.customize')
  })

  it.each([
    ['channel_not_found', 'channel ID'],
    ['not_in_channel', '/invite'],
    ['is_archived', 'archived'],
    ['msg_too_long', 'maxTextLength'],
  ])('%s → invalid, not retried, saying what to do', (code, hint) => {
    const err = platform(code)
    expect(err.reason).toBe('invalid')
    expect(err.message).toContain(hint)
  })

  it.each(['fatal_error', 'internal_error'])('%s → transient', (code) => {
    expect(platform(code).reason).toBe('transient')
  })

  it('maps HTTP 5xx and request errors to transient, other HTTP answers to invalid', () => {
    expect(mapSlackError(new WebAPIHTTPError(503, 'Unavailable', {}, ''), 'o', 'm').reason).toBe('transient')
    expect(mapSlackError(new WebAPIHTTPError(404, 'Not Found', {}, ''), 'o', 'm').reason).toBe('invalid')
    const timeout = new WebAPIRequestError(new DOMException('timed out', 'TimeoutError'))
    const mapped = mapSlackError(timeout, 'o', 'chat.update')
    expect(mapped.reason).toBe('transient')
    expect(mapped.message).toContain('no answer in time')
  })

  it('treats a 429 without a usable Retry-After (a plain Error from the client) as rate-limited', () => {
    const err = new Error('Retry header did not contain a valid timeout (url: u, retry-after header: null)')
    const mapped = mapSlackError(err, 'o', 'chat.postMessage')
    expect(mapped.reason).toBe('rate-limited')
    expect(mapped.retryAfterMs).toBeUndefined()
  })

  it('keeps the library error as the cause', () => {
    const original = new WebAPIRateLimitedError(1)
    expect(mapSlackError(original, 'o', 'm').cause).toBe(original)
  })
})
