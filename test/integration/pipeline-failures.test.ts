import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, eventually, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let sink: WebhookSink
let bridge: Bridge | undefined

beforeEach(async () => {
  sink = await startWebhookSink()
})
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await sink.close()
})

const edit = (messageId: number, ts = 1000) =>
  updateEvent(fixturePortal, [{ chatId: 1024, messageId }], { ts })

describe('failures on the way', () => {
  it('delivers everything after the portal answered 503 QUERY_LIMIT_EXCEEDED for a while', async () => {
    bridge = await startBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      startWorkers: true,
      pipeline: { maxAttempts: 50 },
    })
    const b = bridge
    for (let id = 1; id <= 30; id++) b.portal.setMessage({ id, chatId: 1024, authorId: 7, text: `m${id}` })
    // The first reads are refused whatever the machine's load (a time window could close before
    // the events are even posted).
    b.portal.failNext(4, {
      status: 503,
      body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
    })
    for (let id = 1; id <= 30; id++) expect((await b.post(edit(id))).status).toBe(200)
    await sink.waitFor(30, 15_000)
    expect(new Set(sink.requests.map((r) => r.body.messageId)).size).toBe(30)
    const rejected = b.portal.requests.filter((r) => r.status === 503).length
    expect(rejected).toBeGreaterThan(0)
    const failedReads = await b.app.store.listDeliveries({ output: '-', status: 'failed' })
    expect(failedReads.length).toBeGreaterThan(0)
    expect(await b.app.store.listDead()).toHaveLength(0)
  })

  it('retries an output that answers 500 until it recovers, and logs every attempt', async () => {
    bridge = await startBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      startWorkers: true,
    })
    const b = bridge
    b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'hello' })
    sink.failNext(2, 500)
    await b.post(edit(2057))
    await sink.waitFor(1)
    await eventually(async () => {
      const s = await b.app.store.stats('deliver')
      return s.pending + s.leased === 0
    }, 'deliver queue empty')
    const log = await b.app.store.listDeliveries({ messageId: 2057, output: 'hook.ops' })
    expect(log.map((e) => [e.status, e.attempt]).reverse()).toEqual([
      ['failed', 1],
      ['failed', 2],
      ['delivered', 3],
    ])
  })

  it('dead-letters a delivery after maxAttempts when the output always fails', async () => {
    bridge = await startBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      startWorkers: true,
      pipeline: { maxAttempts: 3 },
    })
    const b = bridge
    b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'hello' })
    sink.failAlways(503)
    await b.post(edit(2057))
    await eventually(async () => (await b.app.store.listDead('deliver')).length === 1, 'one dead letter')
    const [dead] = await b.app.store.listDead('deliver')
    expect(dead?.reason).toMatch(/gave up after 3 attempts/)
    expect(dead?.attempts).toBeGreaterThanOrEqual(2)
    const log = await b.app.store.listDeliveries({ messageId: 2057, output: 'hook.ops' })
    expect(log.map((e) => e.status).reverse()).toEqual(['failed', 'failed', 'dead'])
    expect(sink.requests).toHaveLength(0)
  })

  it('keeps one output rate limited without holding back another', async () => {
    const other = await startWebhookSink()
    try {
      bridge = await startBridge({
        outputs: {
          'hook.slow': { type: 'webhook', url: sink.url },
          'hook.fast': { type: 'webhook', url: other.url },
        },
        pipeline: { outputConcurrency: 1 },
        startWorkers: true,
      })
      const b = bridge
      sink.failNext(1, 429, { 'retry-after': '2' })
      for (let id = 1; id <= 5; id++) b.portal.setMessage({ id, chatId: 1024, authorId: 7, text: `m${id}` })
      for (let id = 1; id <= 5; id++) await b.post(edit(id))
      await other.waitFor(5)
      const fastDone = Date.now()
      await sink.waitFor(5)
      // Retry-After is honoured: after the 429 the rate-limited output was not called again for
      // 2 s, while the other output had finished long before.
      const [limited, next] = sink.attempts
      expect(limited?.status).toBe(429)
      expect(next).toBeDefined()
      expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1900)
      expect(fastDone).toBeLessThan(next?.at ?? 0)
    } finally {
      await other.close()
    }
  })
})
