import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let sink: WebhookSink
let bridge: Bridge

beforeEach(async () => {
  sink = await startWebhookSink()
  bridge = await startBridge({
    outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
    // One request now, then one every 1.5 s (the bridge keeps one request of headroom: burst 2 → 1).
    bitrix: { rateLimit: { burst: 2, perSecond: 1 / 1.5 } },
    pipeline: { coalesceWindowMs: 0 },
    startWorkers: true,
  })
})
afterEach(async () => {
  await bridge.close()
  await sink.close()
})

const messageReads = (bridge: Bridge) =>
  bridge.portal.requests
    .filter((r) => r.method === 'batch')
    .map((r) =>
      (r.commands ?? [])
        .filter((c) => c.method === 'im.dialog.messages.get')
        .map((c) => Number((c.params as Record<string, unknown>).LAST_ID) - 1)
        .sort(),
    )

describe('a portal whose rate bucket is spent', () => {
  it('claims its edits when a request can go, so edits that came during the wait share one read', async () => {
    const chatId = 4242
    for (const id of [1001, 1002, 1003]) bridge.portal.setMessage({ id, chatId, authorId: 7, text: `m${id}` })
    const post = async (messageId: number) =>
      expect(
        (await bridge.post(updateEvent(fixturePortal, [{ chatId, messageId }], { ts: 1000 }))).status,
      ).toBe(200)

    await post(1001)
    await sink.waitFor(1, 10_000) // the first read spent the bucket
    await post(1002)
    // The next request is about 1.5 s away: 1003 comes while 1002 waits for it.
    await new Promise((resolve) => setTimeout(resolve, 300))
    await post(1003)
    await sink.waitFor(3, 20_000)

    const reads = messageReads(bridge)
    // Before: 1002 was claimed at once and waited inside the bucket alone; 1003 waited for the read
    // after it (three requests). Now 1002 and 1003 go in the second request together.
    expect(reads).toHaveLength(2)
    expect(reads[1]).toHaveLength(2)
  })
})
