import { describe, expect, it } from 'vitest'
import { bitrixErrorFrom } from '../../../src/bitrix/errors.js'
import { ErrorCodes } from '../../../src/errors.js'
import { restFixture } from './fixture.js'

const context = { portal: 'example.bitrix24.com', method: 'im.dialog.messages.get' }

describe('bitrixErrorFrom', () => {
  it.each([
    [503, 'error.query-limit-exceeded.503.json', ErrorCodes.BITRIX_RATE_LIMITED, 'QUERY_LIMIT_EXCEEDED'],
    [429, 'error.operation-time-limit.429.json', ErrorCodes.BITRIX_TIME_LIMITED, 'OPERATION_TIME_LIMIT'],
  ])('retries HTTP %i (%s)', (status, file, code, bitrixCode) => {
    const error = bitrixErrorFrom(status, restFixture(file), context)
    expect(error).toMatchObject({ code, bitrixCode, httpStatus: status, retryable: true })
  })

  it('retries 5xx, also without a JSON body', () => {
    const error = bitrixErrorFrom(502, undefined, context)
    expect(error).toMatchObject({
      code: ErrorCodes.BITRIX_UNAVAILABLE,
      bitrixCode: 'HTTP_502',
      retryable: true,
    })
  })

  it.each([
    [401, 'error.no-auth-found.401.json', ErrorCodes.BITRIX_AUTH],
    [401, 'error.expired-token.401.json', ErrorCodes.BITRIX_TOKEN_EXPIRED],
    [403, 'im.dialog.messages.get.access-error.json', ErrorCodes.BITRIX_ACCESS_DENIED],
  ])('does not retry HTTP %i (%s)', (status, file, code) => {
    const error = bitrixErrorFrom(status, restFixture(file), context)
    expect(error).toMatchObject({ code, retryable: false })
  })

  it.each([
    [403, 'ACCESS_DENIED', ErrorCodes.BITRIX_ACCESS_DENIED],
    [403, 'insufficient_scope', ErrorCodes.BITRIX_SCOPE],
    [400, 'PORTAL_DELETED', ErrorCodes.BITRIX_PORTAL_DELETED],
    [400, 'INVALID_REQUEST', ErrorCodes.BITRIX_BAD_REQUEST],
    [404, 'ERROR_METHOD_NOT_FOUND', ErrorCodes.BITRIX_BAD_REQUEST],
  ])('does not retry %i %s', (status, error, code) => {
    const mapped = bitrixErrorFrom(status, { error, error_description: 'x' }, context)
    expect(mapped).toMatchObject({ code, bitrixCode: error, retryable: false })
  })

  it('tells the operator what to do when the webhook is rejected', () => {
    const error = bitrixErrorFrom(401, restFixture('error.no-auth-found.401.json'), context)
    expect(error.message).toContain('example.bitrix24.com')
    expect(error.message).toContain('webhookUrl')
    expect(error.message).toContain('im, imopenlines')
  })

  it('maps a per-command batch error (no HTTP status) by its code', () => {
    const error = bitrixErrorFrom(undefined, { error: 'ACCESS_ERROR', error_description: 'no' }, context)
    expect(error).toMatchObject({ code: ErrorCodes.BITRIX_ACCESS_DENIED, bitrixCode: 'ACCESS_ERROR' })
    expect(error.httpStatus).toBeUndefined()
  })

  it('keeps Retry-After for the job scheduler', () => {
    const error = bitrixErrorFrom(429, { error: 'OPERATION_TIME_LIMIT' }, { ...context, retryAfterMs: 5000 })
    expect(error.retryAfterMs).toBe(5000)
  })
})
