import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/create-client.js'
import type { PortalRecord } from '../../src/bitrix/types.js'
import { ErrorCodes } from '../../src/errors.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { type FakePortal, FakeRestError, startFakePortal } from '../support/fake-portal.js'

// Issue 11 items 2, 4 and 5 against a fake portal that answers like Bitrix24: `time` with
// operating figures on every reply, 429 OPERATION_TIME_LIMIT over the budget (limits.md).

let fake: FakePortal
let portal: PortalRecord
const sleeps: number[] = []

const client = (extra: { timeoutMs?: number; batchTimeoutMs?: number } = {}) =>
  createBitrixClient({
    rateLimit: { burst: 50, perSecond: 50 },
    timeoutMs: extra.timeoutMs ?? 30_000,
    ...(extra.batchTimeoutMs === undefined ? {} : { batchTimeoutMs: extra.batchTimeoutMs }),
    retries: 2,
    backoffBaseMs: 10,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
  })

const read = [{ chatId: 1024, messageId: 2057 }]

beforeEach(async () => {
  sleeps.length = 0
  fake = await startFakePortal()
  portal = { id: 'member-1', domain: fake.host, webhookUrl: fake.webhookUrl }
  fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'Ships tomorrow' })
})

afterEach(async () => {
  await fake.close()
})

describe('OPERATION_TIME_LIMIT: the method waits for the portal, jobs spend no attempt', () => {
  it('pauses the read method until operating_reset_at + 1 s and sends nothing meanwhile', async () => {
    const bitrix = client()
    const resetAt = Math.floor(Date.now() / 1000) + 120
    fake.setOperating('im.dialog.messages.get', 470, resetAt)
    expect((await bitrix.readMessages(portal, read))[0]?.status).toBe('ok')
    fake.setOperating('im.dialog.messages.get', 480, resetAt)
    const [blocked] = await bitrix.readMessages(portal, read)
    if (blocked?.status !== 'error') throw new Error(`expected an error, got ${JSON.stringify(blocked)}`)
    expect(blocked.error.code).toBe(ErrorCodes.BITRIX_TIME_LIMITED)
    expect(blocked.error.pausedUntil).toBe(resetAt * 1000 + 1000)
    expect(blocked.error.message).not.toContain('rateLimit')
    const sent = fake.stats.requests
    const [again] = await bitrix.readMessages(portal, read)
    expect(again?.status === 'error' && again.error.pausedUntil).toBe(resetAt * 1000 + 1000)
    expect(fake.stats.requests).toBe(sent)
    // No in-call retry of the 429 either (retries: 2): one request read, one was refused.
    expect(sent).toBe(2)
  })

  it('slows down before the block once operating passes 80 % of the limit', async () => {
    const bitrix = client()
    fake.setOperating('im.dialog.messages.get', 400, Math.floor(Date.now() / 1000) + 600)
    await bitrix.readMessages(portal, read)
    expect(sleeps.filter((ms) => ms >= 1000)).toEqual([])
    await bitrix.readMessages(portal, read)
    // 1 % of the ~600 s left until the reset (the official JS SDK's adaptive coefficient).
    expect(sleeps.some((ms) => ms > 5000 && ms <= 6000)).toBe(true)
  })

  it('shows the operating seconds and the pause in /metrics', async () => {
    const bitrix = client()
    fake.setOperating('im.dialog.messages.get', 480, Math.floor(Date.now() / 1000) + 120)
    await bitrix.readMessages(portal, read)
    const metrics = createMetrics({
      counts: { get: async () => ({}) },
      portals: { list: () => [], get: () => undefined } as never,
      operating: () => bitrix.operatingState?.() ?? [],
    })
    const text = await metrics.registry.metrics()
    expect(text).toMatch(
      /openline_bridge_bitrix_paused_seconds\{portal="member-1",method="im.dialog.messages.get",reason="OPERATION_TIME_LIMIT"\} (1[01]\d|\d\d)/,
    )
  })
})

describe('OVERLOAD_LIMIT and METHOD_CONFIRM_WAITING pause instead of looping', () => {
  it('OVERLOAD_LIMIT pauses every call to the portal, with no 5xx retry loop', async () => {
    const bitrix = client()
    fake.failNext(1, {
      status: 503,
      body: { error: 'OVERLOAD_LIMIT', error_description: 'REST API is blocked due to overload.' },
    })
    const [first] = await bitrix.readMessages(portal, read)
    expect(first?.status === 'error' && first.error.code).toBe(ErrorCodes.BITRIX_OVERLOADED)
    expect(first?.status === 'error' && (first.error.pausedUntil ?? 0) - Date.now()).toBeGreaterThan(
      10 * 60_000,
    )
    expect(fake.stats.requests).toBe(1)
    await expect(bitrix.call(portal, 'server.time')).rejects.toMatchObject({
      code: ErrorCodes.BITRIX_OVERLOADED,
    })
    expect(fake.stats.requests).toBe(1)
  })

  it('METHOD_CONFIRM_WAITING pauses that method, not the portal, and is no auth failure', async () => {
    const bitrix = client()
    fake.handle('im.dialog.messages.get', () => {
      throw new FakeRestError(401, 'METHOD_CONFIRM_WAITING', 'Waiting for confirmation')
    })
    const [first] = await bitrix.readMessages(portal, read)
    expect(first?.status === 'error' && first.error.code).toBe(ErrorCodes.BITRIX_CONFIRM_WAITING)
    expect(first?.status === 'error' && first.error.pausedUntil).toBeGreaterThan(Date.now())
    await expect(bitrix.call(portal, 'server.time')).resolves.toBeTypeOf('string')
  })
})

describe('timeouts', () => {
  it('gives a batch the batch timeout (60 s by default), other calls the short one', async () => {
    const bitrix = client({ timeoutMs: 200, batchTimeoutMs: 20_000 })
    fake.failNext(1, { delayMs: 600 })
    const [slowBatch] = await bitrix.readMessages(portal, read)
    expect(slowBatch?.status).toBe('ok')
    expect(fake.stats.requests).toBe(1)
    fake.failNext(1, { delayMs: 600 })
    await expect(client({ timeoutMs: 200 }).call(portal, 'server.time')).resolves.toBeTypeOf('string')
    // The retried call needed a second request: the first timed out at 200 ms.
    expect(fake.stats.requests).toBe(3)
  })
})
