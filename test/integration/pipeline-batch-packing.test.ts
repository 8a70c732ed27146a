import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import type { FakePortal } from '../support/fake-portal.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

/** Commands of one method the portal ran inside batches. */
function commandsOf(portal: FakePortal, method: string): number {
  return portal.requests.flatMap((r) => r.commands ?? []).filter((c) => c.method === method).length
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

describe('a backlog of reads packs whole batches', () => {
  it('drains 1,000 edits in 100 new chats with ceil(1,100 / 50) = 22 batch requests', async () => {
    // Ten messages per chat, chat after chat, like a busy open line: each chat's first read also
    // reads the chat (imopenlines.dialog.get), so the backlog is 1,000 + 100 commands.
    const chats = Array.from({ length: 100 }, (_, c) => 7000 + c)
    for (const chatId of chats) {
      const ids = Array.from({ length: 10 }, (_, i) => chatId * 10 + i)
      for (const id of ids) bridge.portal.setMessage({ id, chatId, authorId: 7, text: `message ${id}` })
      const event = updateEvent(
        fixturePortal,
        ids.map((messageId) => ({ chatId, messageId })),
        { ts: 1000 },
      )
      expect((await bridge.post(event)).status).toBe(200)
    }
    expect((await bridge.app.store.stats('fetch')).pending).toBe(1000)

    await bridge.app.start()
    await sink.waitFor(1000, 50_000)

    expect(commandsOf(bridge.portal, 'im.dialog.messages.get')).toBe(1000)
    expect(commandsOf(bridge.portal, 'imopenlines.dialog.get')).toBe(100)
    expect(bridge.portal.requests.filter((r) => r.method === 'batch')).toHaveLength(22)
    expect(bridge.portal.requests.filter((r) => r.method !== 'batch')).toEqual([])
    const mirrored = new Set(sink.requests.map((r) => r.body.text))
    expect(mirrored.size).toBe(1000)
    for (const chatId of chats) expect(mirrored.has(`message ${chatId * 10 + 9}`)).toBe(true)
  })
})
