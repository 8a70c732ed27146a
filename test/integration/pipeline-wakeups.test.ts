import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { buildMirrorMessage } from '../../src/pipeline/build-mirror-message.js'
import { deliverJob } from '../../src/pipeline/jobs.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

// Workers poll once an hour here: a delivery within the test's bound can only come from a wake-up
// (the store's commit notification or a timer at the job's run time), never from the poll.
const hour = 3_600_000

let sink: WebhookSink
let bridge: Bridge

beforeEach(async () => {
  sink = await startWebhookSink()
  bridge = await startBridge({
    outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
    pipeline: { pollIntervalMs: hour, coalesceWindowMs: 150 },
    startWorkers: true,
  })
})
afterEach(async () => {
  await bridge.close()
  await sink.close()
})

describe('workers wake on commit and at run time, not on the poll', () => {
  it('mirrors an edit once its coalescing window ends (fetch woken by a timer at runAt)', async () => {
    bridge.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'after the window' })
    const res = await bridge.post(
      updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2057 }], { ts: 1000 }),
    )
    expect(res.status).toBe(200)
    const [delivery] = await sink.waitFor(1, 20_000)
    expect(delivery?.body).toMatchObject({ messageId: 2057, text: 'after the window' })
  })

  it('delivers a deliver job the moment it is committed (deliver woken by the commit)', async () => {
    // Stored straight into the deliver queue, as a replay would: no fetch tick announces it.
    await bridge.app.store.enqueue([
      deliverJob({
        portal: fixturePortal.memberId,
        output: 'hook.ops',
        version: 1000,
        message: buildMirrorMessage(
          fixturePortal.memberId,
          {
            kind: 'added',
            memberId: fixturePortal.memberId,
            domain: fixturePortal.domain,
            connector: 'telegrambot',
            line: 128,
            chatId: 1024,
            messageId: 4242,
            externalMessageIds: [],
            ts: 1000,
          },
          {
            id: 4242,
            chatId: 1024,
            authorId: 7,
            date: '2026-11-30T00:00:00Z',
            text: 'committed, then delivered',
            files: [],
            params: {},
          },
          false,
        ),
      }),
    ])
    const [delivery] = await sink.waitFor(1, 20_000)
    expect(delivery?.body).toMatchObject({ messageId: 4242, text: 'committed, then delivered' })
  })
})
