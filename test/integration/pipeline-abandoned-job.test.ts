import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { ErrorCodes } from '../../src/errors.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let sink: WebhookSink | undefined
let bridge: Bridge | undefined

afterEach(async () => {
  await bridge?.close()
  await sink?.close()
})

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a job whose worker keeps dying', () => {
  it('is dead-lettered once its expired leases reach pipeline.maxAttempts, and the rest goes on', async () => {
    sink = await startWebhookSink()
    bridge = await startBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      pipeline: { maxAttempts: 3 },
    })
    const chatId = 77
    for (const id of [501, 502]) bridge.portal.setMessage({ id, chatId, authorId: 7, text: `m${id}` })
    expect(
      (await bridge.post(updateEvent(fixturePortal, [{ chatId, messageId: 501 }], { ts: 1000 }))).status,
    ).toBe(200)
    // Three workers in a row claim the read of 501 and die with it (the lease is never released).
    for (let crash = 0; crash < 3; crash++) {
      const [held] = await bridge.app.store.claim('fetch', { limit: 1, leaseMs: 1 })
      expect(held?.attempts).toBe(crash)
      await pause(5)
    }
    expect(
      (await bridge.post(updateEvent(fixturePortal, [{ chatId, messageId: 502 }], { ts: 1001 }))).status,
    ).toBe(200)

    await bridge.drain()

    const [dead] = await bridge.app.store.listDead('fetch')
    expect(dead?.key).toContain('501')
    expect(dead?.reason).toContain(`${ErrorCodes.JOB_ATTEMPTS_EXHAUSTED}: gave up after 3 attempts`)
    expect(dead?.reason).toMatch(/lease ran out/)
    expect(sink.requests.map((r) => r.body.text)).toEqual(['m502'])
    const log = await bridge.app.store.listDeliveries({ messageId: 501 })
    expect(log.map((e) => e.status)).toContain('dead')
  })
})
