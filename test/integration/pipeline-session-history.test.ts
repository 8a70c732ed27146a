import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let sink: WebhookSink
let bridge: Bridge

beforeEach(async () => {
  sink = await startWebhookSink()
  bridge = await startBridge({ outputs: { 'hook.ops': { type: 'webhook', url: sink.url } } })
  // The open-line chat as imopenlines.dialog.get describes it: its current session (343) is the
  // sixth field of entity_data_1 (test/fixtures/bitrix/rest/imopenlines.dialog.get.ok.json).
  bridge.portal.setChat({
    chatId: 1024,
    title: 'Ivan Petrov - Support line',
    connector: 'telegrambot',
    line: 128,
    sessionId: 343,
  })
  // Written before the webhook user joined the chat: im.dialog.messages.get does not show it,
  // the session's history does.
  bridge.portal.setMessage({
    id: 2057,
    chatId: 1024,
    authorId: 7,
    text: 'asked before you joined',
    sessionId: 343,
  })
  bridge.portal.setMessage({ id: 3001, chatId: 1024, authorId: 7, text: 'after joining', sessionId: 343 })
  bridge.portal.setJoinedFrom(1024, 3000)
})
afterEach(async () => {
  await bridge.close()
  await sink.close()
})

// The documented event shape carries no text: the read is all there is.
const edit = (messageId: number, ts: number) =>
  updateEvent(fixturePortal, [{ chatId: 1024, messageId }], { ts })

function historyCalls(): unknown[] {
  return bridge.portal.requests.flatMap((r) =>
    (r.commands ?? []).filter((c) => c.method === 'imopenlines.session.history.get').map((c) => c.params),
  )
}

async function readLog(messageId: number) {
  return bridge.app.store.listDeliveries({ messageId, output: '-' })
}

describe('an edit of a message the reader cannot see is read from its session history', () => {
  it('uses the session that imopenlines.dialog.get names in the same batch (first read of the chat)', async () => {
    expect((await bridge.post(edit(2057, 1000))).status).toBe(200)
    await bridge.drain()
    const [delivery] = await sink.waitFor(1)
    expect(delivery?.body.text).toBe('asked before you joined')
    expect(delivery?.body.unverified).not.toBe(true)
    expect(historyCalls()).toEqual([{ SESSION_ID: '343' }])
    expect((await readLog(2057))[0]).toMatchObject({
      status: 'delivered',
      detail: 'imopenlines.session.history.get',
    })
  })

  it('uses the session stored for the chat by an earlier read', async () => {
    await bridge.post(edit(3001, 1000))
    await bridge.drain()
    await sink.waitFor(1)
    expect(await bridge.app.store.getChat(fixturePortal.memberId, 1024)).toMatchObject({ sessionId: 343 })

    await bridge.post(edit(2057, 2000))
    await bridge.drain()
    const deliveries = await sink.waitFor(2)
    expect(deliveries.map((d) => d.body.text)).toEqual(['after joining', 'asked before you joined'])
    // The second read did not ask for the chat again: the session came from the store.
    const second = bridge.portal.requests.at(-2)
    expect(second?.commands?.map((c) => c.method)).toEqual(['im.dialog.messages.get'])
    expect(historyCalls()).toEqual([{ SESSION_ID: '343' }])
  })
})
