import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { fixturePortal, startBridge } from '../support/bridge-harness.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let sink: WebhookSink
let portal: FakePortal
let dir: string

beforeEach(async () => {
  sink = await startWebhookSink()
  portal = await startFakePortal()
  dir = await mkdtemp(join(tmpdir(), 'olb-restart-'))
})
afterEach(async () => {
  await sink.close()
  await portal.close()
  await rm(dir, { recursive: true, force: true })
})

const edit = (messageId: number, ts: number) =>
  updateEvent(fixturePortal, [{ chatId: 1024, messageId }], { ts })

describe('restart on the same SQLite file', () => {
  it('completes jobs acknowledged before the restart, and later edits update the same mirror', async () => {
    const options = {
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      portal,
      dbPath: join(dir, 'bridge.db'),
    }
    for (let id = 1; id <= 3; id++) portal.setMessage({ id, chatId: 1024, authorId: 7, text: `before ${id}` })

    // First life: events are acknowledged, then the process goes away before any worker ran.
    const first = await startBridge(options)
    for (let id = 1; id <= 3; id++) expect((await first.post(edit(id, 1000))).status).toBe(200)
    await first.close()
    expect(sink.requests).toHaveLength(0)

    // Second life: the pending jobs are still there and complete.
    const second = await startBridge({ ...options, startWorkers: true })
    await sink.waitFor(3)
    expect(sink.requests.map((r) => r.body.action)).toEqual(['created', 'created', 'created'])
    const firstRef = sink.requests.find((r) => r.body.messageId === 2)?.body
    await second.close()

    // Third life: the mirror map survived, so an edit updates the existing mirror in place.
    const third = await startBridge(options)
    portal.setMessage({ id: 2, chatId: 1024, authorId: 7, text: 'after restart' })
    await third.post(edit(2, 1001))
    await third.drain()
    await third.close()
    const last = sink.requests.at(-1)?.body
    expect(last).toMatchObject({ action: 'updated', messageId: 2, text: 'after restart' })
    expect(last?.ref).toEqual({ id: `${fixturePortal.memberId}:2` })
    expect(firstRef?.ref).toBeNull()
  })

  it('picks up a job whose worker died mid-lease once the lease expires', async () => {
    const options = {
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      portal,
      dbPath: join(dir, 'bridge.db'),
      pipeline: { leaseSeconds: 1 },
    }
    portal.setMessage({ id: 7, chatId: 1024, authorId: 7, text: 'leased' })
    const first = await startBridge(options)
    await first.post(edit(7, 1000))
    // A worker claims the job and then "crashes": the claim is never completed.
    const claimed = await first.app.store.claim('fetch', { limit: 10, leaseMs: 1000 })
    expect(claimed).toHaveLength(1)
    await first.close()

    const second = await startBridge({ ...options, startWorkers: true })
    await sink.waitFor(1, 5000)
    expect(sink.requests[0]?.body.text).toBe('leased')
    await second.close()
  })
})
