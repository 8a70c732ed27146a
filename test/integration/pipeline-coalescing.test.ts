import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import type { FakePortal } from '../support/fake-portal.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

/** Commands of one method the portal ran, inside batches or alone. */
function commandsOf(portal: FakePortal, method: string): number {
  return portal.requests
    .flatMap((r) => r.commands ?? [{ method: r.method }])
    .filter((c) => c.method === method).length
}

let sink: WebhookSink
let bridge: Bridge

beforeEach(async () => {
  sink = await startWebhookSink()
  bridge = await startBridge({ outputs: { 'hook.ops': { type: 'webhook', url: sink.url } } })
})
afterEach(async () => {
  await bridge.close()
  await sink.close()
})

const edit = (messageId: number, ts: number, extra: { text?: string } = {}) =>
  updateEvent(fixturePortal, [{ chatId: 1024, messageId, ...extra }], { ts })

describe('batching and coalescing', () => {
  it('reads 120 edits of distinct messages with at most 3 REST requests (batches of 50)', async () => {
    for (let id = 1; id <= 120; id++)
      bridge.portal.setMessage({ id, chatId: 1024, authorId: 7, text: `message ${id}` })
    // 12 deliveries of 10 edits each, as a burst of mass changes would arrive
    for (let start = 1; start <= 120; start += 10) {
      const ids = Array.from({ length: 10 }, (_, i) => start + i)
      const res = await bridge.post(
        updateEvent(
          fixturePortal,
          ids.map((messageId) => ({ chatId: 1024, messageId })),
          { ts: 1000 },
        ),
      )
      expect(res.status).toBe(200)
    }
    await bridge.drain()
    expect(bridge.portal.stats.requests).toBeLessThanOrEqual(3)
    expect(commandsOf(bridge.portal, 'im.dialog.messages.get')).toBe(120)
    // The chat's details ride in the same batch, once for the chat.
    expect(commandsOf(bridge.portal, 'imopenlines.dialog.get')).toBe(1)
    await sink.waitFor(120)
    const texts = new Set(sink.requests.map((r) => r.body.text))
    expect(texts.size).toBe(120)
  })

  it('turns 5 queued edits of one message into 1 read and 1 delivery with the latest text', async () => {
    for (let i = 1; i <= 5; i++) {
      bridge.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: `version ${i}` })
      expect((await bridge.post(edit(2057, 1000 + i))).status).toBe(200)
    }
    expect((await bridge.app.store.stats('fetch')).pending).toBe(1)
    await bridge.drain()
    expect(commandsOf(bridge.portal, 'im.dialog.messages.get')).toBe(1)
    expect(sink.requests).toHaveLength(1)
    expect(sink.requests[0]?.body.text).toBe('version 5')
  })

  it('does not deliver again when the text did not change', async () => {
    bridge.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'same text' })
    await bridge.post(edit(2057, 1000))
    await bridge.drain()
    await bridge.post(edit(2057, 1001))
    await bridge.drain()
    expect(sink.requests).toHaveLength(1)
    const log = await bridge.app.store.listDeliveries({ messageId: 2057, output: 'hook.ops' })
    expect(log.map((e) => [e.status, e.detail ?? ''])).toEqual([
      ['skipped', 'text unchanged'],
      ['delivered', ''],
    ])
  })

  it('updates the same mirror on a later edit', async () => {
    bridge.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'first' })
    await bridge.post(edit(2057, 1000))
    await bridge.drain()
    bridge.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'second' })
    await bridge.post(edit(2057, 1001))
    await bridge.drain()
    expect(sink.requests.map((r) => [r.body.action, r.body.text])).toEqual([
      ['created', 'first'],
      ['updated', 'second'],
    ])
    expect(sink.requests[1]?.body.ref).toEqual({ id: `${fixturePortal.memberId}:2057` })
  })

  it('never applies an older version that arrives late', async () => {
    // Without read access the event text is all there is, so only the version guard stands
    // between a late, older event and a mirror going back in time.
    bridge.portal.setMember(1024, false)
    bridge.portal.setHistoryAccess(false)
    await bridge.post(edit(2057, 2000, { text: 'newest text' }))
    await bridge.drain()
    await bridge.post(edit(2057, 1000, { text: 'older text' }))
    await bridge.drain()
    expect(sink.requests.map((r) => r.body.text)).toEqual(['newest text'])
    const [latest] = await bridge.app.store.listDeliveries({ messageId: 2057, output: 'hook.ops' })
    expect(latest).toMatchObject({ status: 'skipped' })
    expect(latest?.detail).toMatch(/older version 1000 < applied 2000/)
  })
})

describe('the coalescing window (pipeline.coalesceWindowMs)', () => {
  it('holds a new edit back so a quick second edit of the same message costs no second read', async () => {
    const windowed = await startBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      pipeline: { coalesceWindowMs: 400 },
      startWorkers: true,
    })
    try {
      windowed.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'first' })
      expect((await windowed.post(edit(2057, 1000))).status).toBe(200)
      const [job] = await windowed.app.store.claim('fetch', { limit: 1, leaseMs: 1 })
      // Not due yet: the window is still open, so the worker (and this claim) leave it alone.
      expect(job).toBeUndefined()
      windowed.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'second' })
      expect((await windowed.post(edit(2057, 1001))).status).toBe(200)
      await sink.waitFor(1)
      await new Promise((r) => setTimeout(r, 300))
      expect(commandsOf(windowed.portal, 'im.dialog.messages.get')).toBe(1)
      expect(sink.requests.map((r) => r.body.text)).toEqual(['second'])
    } finally {
      await windowed.close()
    }
  })
})
