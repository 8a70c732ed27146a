import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/create-client.js'
import type { BitrixError } from '../../src/bitrix/errors.js'
import { createHostGuard } from '../../src/bitrix/host-guard.js'
import type { PortalRecord } from '../../src/bitrix/types.js'
import { ErrorCodes } from '../../src/errors.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'

let fake: FakePortal
let portal: PortalRecord
const others: FakePortal[] = []

const options = { rateLimit: { burst: 50, perSecond: 50 }, timeoutMs: 2000, retries: 3, backoffBaseMs: 10 }
const limit503 = {
  status: 503,
  body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
}

async function failure(promise: Promise<unknown>): Promise<BitrixError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (err: BitrixError) => err,
  )
}

beforeEach(async () => {
  fake = await startFakePortal()
  portal = { id: 'member-1', domain: fake.host, webhookUrl: fake.webhookUrl }
  fake.handle('test.echo', (params) => params)
})

afterEach(async () => {
  await Promise.all([fake, ...others.splice(0)].map((f) => f.close()))
})

describe('call against a fake portal', () => {
  it('sends params as a PHP-style form and returns `result`', async () => {
    const params = { FIELDS: { TITLE: 'a b&c', LIST: [1, 2] }, ID: 5 }
    const result = await createBitrixClient(options).call(portal, 'test.echo', params)
    expect(result).toEqual({ FIELDS: { TITLE: 'a b&c', LIST: ['1', '2'] }, ID: '5' })
  })

  it('retries 503 QUERY_LIMIT_EXCEEDED until the portal answers', async () => {
    fake.failNext(2, limit503)
    const result = await createBitrixClient(options).call(portal, 'test.echo', { A: 1 })
    expect(result).toEqual({ A: '1' })
    expect(fake.stats).toMatchObject({ requests: 3, rejected503: 2 })
  })

  it('keeps retrying while the portal answers 503 for a while', async () => {
    fake.failNext(5, limit503) // a count, not 300 ms: under load the first request came after the window
    const client = createBitrixClient({ ...options, retries: 8, backoffBaseMs: 50 })
    expect(await client.call(portal, 'test.echo', { A: 1 })).toEqual({ A: '1' })
    expect(fake.stats.rejected503).toBe(5)
  })

  it('gives up after the configured retries with a retryable error', async () => {
    fake.failNext(10, limit503)
    const error = await failure(createBitrixClient({ ...options, retries: 2 }).call(portal, 'test.echo'))
    expect(error).toMatchObject({ code: ErrorCodes.BITRIX_RATE_LIMITED, retryable: true })
    expect(fake.stats.requests).toBe(3)
  })

  it('waits as long as Retry-After says', async () => {
    // (A 429 OPERATION_TIME_LIMIT is no longer retried in the call: it pauses the method, see
    // bitrix-operating-limits.test.ts; Retry-After still paces any other retryable answer.)
    fake.failNext(1, {
      status: 503,
      body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'busy' },
      headers: { 'retry-after': '2' },
    })
    const waits: number[] = []
    const sleep = async (ms: number) => void waits.push(ms)
    await createBitrixClient({ ...options, sleep }).call(portal, 'test.echo')
    expect(waits).toEqual([2000])
  })

  it('retries a 500 with a body that is not JSON', async () => {
    fake.failNext(1, { status: 500, body: '<html>oops</html>' })
    expect(await createBitrixClient(options).call(portal, 'test.echo', { A: 1 })).toEqual({ A: '1' })
  })

  it('does not retry NO_AUTH_FOUND and says how to fix the webhook', async () => {
    const wrong = { ...portal, webhookUrl: `${fake.url}/rest/1/wrongcode/` }
    const error = await failure(createBitrixClient(options).call(wrong, 'test.echo'))
    expect(error).toMatchObject({
      code: ErrorCodes.BITRIX_AUTH,
      bitrixCode: 'NO_AUTH_FOUND',
      retryable: false,
    })
    expect(error.message).toContain('webhookUrl')
    expect(fake.stats.requests).toBe(1)
  })

  it('re-POSTs to the new base after a 302 and reports the move', async () => {
    const moved = await startFakePortal()
    others.push(moved)
    moved.handle('test.echo', (params) => ({ from: 'new', ...params }))
    fake.redirectTo(moved.url)
    const seen: Array<[string, string, string]> = []
    const client = createBitrixClient({
      ...options,
      hosts: createHostGuard([moved.host]),
      onPortalMoved: (p, domain, webhookUrl) => seen.push([p.id, domain, webhookUrl]),
    })
    expect(await client.call(portal, 'test.echo', { A: 1 })).toEqual({ from: 'new', A: '1' })
    expect(seen).toEqual([['member-1', moved.host, moved.webhookUrl]])
    // The next call goes straight to the new base.
    await client.call(portal, 'test.echo', { A: 2 })
    expect(fake.stats.requests).toBe(1)
    expect(moved.requests.map((r) => r.params)).toEqual([{ A: '1' }, { A: '2' }])
  })

  it('reports a timeout as retryable', async () => {
    fake.failNext(1, { delayMs: 3000 })
    const client = createBitrixClient({ ...options, timeoutMs: 150, retries: 0 })
    const error = await failure(client.call(portal, 'test.echo'))
    expect(error).toMatchObject({ code: ErrorCodes.BITRIX_TIMEOUT, bitrixCode: 'TIMEOUT', retryable: true })
  })

  it('retries after a timeout and succeeds', async () => {
    // The first call hangs past the timeout; the retries are answered at once. Three retries, so a
    // retry slowed past the timeout by a loaded machine does not fail the test: only a hang does.
    fake.failNext(1, { delayMs: 3000 })
    const client = createBitrixClient({ ...options, timeoutMs: 1000, retries: 3 })
    expect(await client.call(portal, 'test.echo', { A: 1 })).toEqual({ A: '1' })
  })

  it('reports an unreachable portal as a retryable network error', async () => {
    const gone = await startFakePortal()
    await gone.close()
    const client = createBitrixClient({ ...options, retries: 0 })
    const error = await failure(client.call({ ...portal, webhookUrl: gone.webhookUrl }, 'test.echo'))
    expect(error).toMatchObject({
      code: ErrorCodes.BITRIX_UNAVAILABLE,
      bitrixCode: 'NETWORK',
      retryable: true,
    })
  })

  it('rides out the portal leaky bucket: all calls succeed after 503s', async () => {
    fake.setRateLimit({ burst: 3, perSecond: 20 })
    const client = createBitrixClient({ ...options, rateLimit: { burst: 100, perSecond: 100 }, retries: 8 })
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.call(portal, 'test.echo', { I: i })),
    )
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => ({ I: String(i) })))
    expect(fake.stats.rejected503).toBeGreaterThan(0)
  })
})
