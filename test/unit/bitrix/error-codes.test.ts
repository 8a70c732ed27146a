import { describe, expect, it } from 'vitest'
import { bitrixErrorFrom } from '../../../src/bitrix/errors.js'
import { readOperatingTime } from '../../../src/bitrix/operating-limits.js'
import { ErrorCodes } from '../../../src/errors.js'
import { restFixture } from './fixture.js'

/**
 * Each code Bitrix24 documents (REST docs error-codes.md, limits.md, scopes/confirmation.md) is mapped
 * on purpose, with its own advice (issue 11 item 4). Fixtures: test/fixtures/bitrix/rest/error.*.json.
 */
const cases: [file: string, status: number, code: string, retryable: boolean, advice: RegExp][] = [
  [
    'error.operation-time-limit.429.json',
    429,
    ErrorCodes.BITRIX_TIME_LIMITED,
    true,
    /pauses .* until the portal's reset/,
  ],
  ['error.overload-limit.503.json', 503, ErrorCodes.BITRIX_OVERLOADED, false, /Bitrix24 support/],
  [
    'error.method-confirm-waiting.401.json',
    401,
    ErrorCodes.BITRIX_CONFIRM_WAITING,
    false,
    /administrator .* must confirm/,
  ],
  [
    'error.user-access-error.403.json',
    403,
    ErrorCodes.BITRIX_ACCESS_DENIED,
    false,
    /restricted the app to some users/,
  ],
  ['error.access-denied.403.json', 403, ErrorCodes.BITRIX_ACCESS_DENIED, false, /commercial plan/],
  ['error.insufficient-scope.403.json', 403, ErrorCodes.BITRIX_SCOPE, false, /add scopes im, imopenlines/],
  ['error.no-auth-found.401.json', 401, ErrorCodes.BITRIX_AUTH, false, /create a new incoming webhook/],
  [
    'error.expired-token.401.json',
    401,
    ErrorCodes.BITRIX_TOKEN_EXPIRED,
    false,
    /refreshes it once and retries/,
  ],
  ['error.invalid-token.401.json', 401, ErrorCodes.BITRIX_AUTH, false, /refreshes it once and retries/],
  [
    'error.invalid-credentials.403.json',
    403,
    ErrorCodes.BITRIX_ACCESS_DENIED,
    false,
    /lacks the permissions .* other messages keep flowing/,
  ],
  [
    'error.query-limit-exceeded.503.json',
    503,
    ErrorCodes.BITRIX_RATE_LIMITED,
    true,
    /shares this portal's request budget/,
  ],
  ['error.batch-length-exceeded.400.json', 400, ErrorCodes.BITRIX_BAD_REQUEST, false, /pipeline\.batchSize/],
  ['error.batch-method-not-allowed.405.json', 405, ErrorCodes.BITRIX_BAD_REQUEST, false, /inside a batch/],
]

describe('Bitrix24 error codes, each mapped on purpose', () => {
  for (const [file, status, code, retryable, advice] of cases) {
    it(`${file} → ${code}`, () => {
      const error = bitrixErrorFrom(status, restFixture(file), {
        portal: 'p.bitrix24.com',
        method: 'im.dialog.messages.get',
      })
      expect(error.code).toBe(code)
      expect(error.retryable).toBe(retryable)
      expect(error.message).toMatch(advice)
    })
  }

  it('no longer tells the operator to lower bitrix.rateLimit for a method time limit', () => {
    const error = bitrixErrorFrom(429, restFixture('error.operation-time-limit.429.json'), {
      method: 'batch',
    })
    expect(error.message).not.toContain('rateLimit')
  })

  it('reads the lower-case spelling of METHOD_CONFIRM_WAITING the same way', () => {
    const error = bitrixErrorFrom(401, {
      error: 'method_confirm_waiting',
      error_description: 'Waiting for confirmation',
    })
    expect(error.code).toBe(ErrorCodes.BITRIX_CONFIRM_WAITING)
  })

  it('reads time.operating and time.operating_reset_at from a reply', () => {
    const reply = restFixture('im.dialog.messages.get.operating-near-limit.json')
    expect(readOperatingTime(reply.time)).toEqual({ operating: 412.7, resetAt: 1714650301000 })
  })
})
