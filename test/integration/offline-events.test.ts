import { afterEach, describe, expect, it } from 'vitest'
import { eventually } from '../support/bridge-harness.js'
import { FakeRestError } from '../support/fake-portal.js'
import { type OAuthBridge, startOAuthBridge, type TestPortal } from '../support/oauth-bridge.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let bridge: OAuthBridge | undefined
let sink: WebhookSink

afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await sink.close()
})

/** What the portal queues for an edit when ONOPENLINEMESSAGEUPDATE is bound offline (server shape). */
function queueEdit(p: TestPortal, messageId: number): void {
  p.fake.setMessage({ id: messageId, chatId: 1024, authorId: 7, text: `offline text ${messageId}` })
  p.fake.addOfflineEvent(
    'ONOPENLINEMESSAGEUPDATE',
    {
      CONNECTOR: 'telegrambot',
      LINE: '128',
      DATA: {
        im: { chat_id: '1024', message_id: String(messageId) },
        message: { id: ['5521'] },
        chat: { id: '380991234567' },
      },
    },
    String(messageId),
  )
}

async function offlineBridge(delivery: 'offline' | 'both', reuse?: OAuthBridge, startWorkers = false) {
  return startOAuthBridge({
    outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
    bitrix: { delivery, offlinePollSeconds: 3600 },
    startWorkers,
    ...(reuse ? { portals: reuse.portals, oauth: reuse.oauth, dbPath: reuse.dbPath } : {}),
  })
}

describe('offline events', () => {
  it('mirrors 30 offline events and clears the queue with the process_id it was given', async () => {
    sink = await startWebhookSink()
    bridge = await offlineBridge('offline')
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    for (let id = 3001; id <= 3030; id++) queueEdit(p, id)

    const pulled = await bridge.app.offline?.poll(p.memberId)
    expect(pulled).toMatchObject({ events: 30, queued: 30 })
    await bridge.drain()
    const delivered = await sink.waitFor(30)
    expect(new Set(delivered.map((d) => d.body.messageId)).size).toBe(30)
    expect(delivered.map((d) => d.body.text)).toContain('offline text 3017')

    const gets = p.fake.events.offlineGets.filter((g) => g.process_id === undefined)
    expect(gets[0]).toMatchObject({ clear: '0', limit: '50' })
    const handedOut = p.fake.requests.find((r) => r.method === 'event.offline.get' && r.status === 200)
    expect(handedOut).toBeDefined()
    expect(p.fake.events.cleared).toHaveLength(1)
    expect(p.fake.events.offline).toEqual([])
    expect((await bridge.app.store.getPortal(p.memberId))?.offlineProcessId).toBeUndefined()
  })

  it('a crash between processing and clear mirrors nothing twice after the restart', async () => {
    sink = await startWebhookSink()
    bridge = await offlineBridge('offline')
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    for (let id = 4001; id <= 4030; id++) queueEdit(p, id)
    p.fake.handle('event.offline.clear', () => {
      throw new FakeRestError(500, 'INTERNAL_SERVER_ERROR', 'process died here')
    })
    await expect(bridge.app.offline?.poll(p.memberId)).rejects.toThrow()
    await bridge.drain()
    await sink.waitFor(30)
    const processId = (await bridge.app.store.getPortal(p.memberId))?.offlineProcessId
    expect(processId).toMatch(/^[0-9a-f]+$/)
    expect(p.fake.events.offline).toHaveLength(30)
    await bridge.app.close()

    // Restart: the pull on start asks for that process's events again, stores them, clears them.
    p.fake.unhandle('event.offline.clear')
    bridge = await offlineBridge('offline', bridge, true)
    await eventually(() => p.fake.events.cleared.length === 1, 'event.offline.clear after restart')
    expect(p.fake.events.cleared).toEqual([processId])
    expect(p.fake.events.offlineGets.some((g) => g.process_id === processId)).toBe(true)
    await eventually(async () => {
      const [f, d] = await Promise.all([bridge!.app.store.stats('fetch'), bridge!.app.store.stats('deliver')])
      return f.pending + f.leased + d.pending + d.leased === 0
    }, 'queues drained')
    expect(sink.requests).toHaveLength(30)
    expect(p.fake.events.offline).toEqual([])
  })

  it('with delivery both, an edit seen online and offline is mirrored once', async () => {
    sink = await startWebhookSink()
    bridge = await offlineBridge('both')
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    queueEdit(p, 5001)
    expect((await bridge.edit(p, [{ chatId: 1024, messageId: 5001 }])).status).toBe(200)
    await bridge.drain()
    await bridge.app.offline?.poll(p.memberId)
    await bridge.drain()
    await sink.waitFor(1)
    expect(sink.requests).toHaveLength(1)
    expect(p.fake.events.cleared).toHaveLength(1)
  })

  it('pulls when an ONOFFLINEEVENT ping arrives', async () => {
    sink = await startWebhookSink()
    bridge = await offlineBridge('offline')
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    await eventually(() => p.fake.events.offlineGets.length > 0, 'pull after install')
    queueEdit(p, 6001)
    const ping = await bridge.post({
      event: 'ONOFFLINEEVENT',
      data: { minTimeout: '0' },
      ts: String(Math.floor(Date.now() / 1000)),
      auth: {
        domain: p.domain,
        member_id: p.memberId,
        application_token: p.applicationToken,
        client_endpoint: p.fake.restUrl,
      },
    })
    expect(ping).toEqual({ status: 200, body: { ok: true, polling: true } })
    await eventually(() => p.fake.events.cleared.length === 1, 'offline queue cleared after the ping')
    await bridge.drain()
    expect((await sink.waitFor(1))[0]?.body.messageId).toBe(6001)
  })
})

describe('offline events on a plan without the confirmation mode (feature.get rest_offline_extended = N)', () => {
  it('pulls with clear: 1, stores every event, never calls event.offline.clear', async () => {
    sink = await startWebhookSink()
    bridge = await offlineBridge('offline')
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    p.fake.setFeature('rest_offline_extended', 'N')
    await bridge.install(p)
    for (let id = 5001; id <= 5060; id++) queueEdit(p, id)
    const pulled = await bridge.app.offline?.poll(p.memberId)
    expect(pulled).toMatchObject({ events: 60, queued: 60 })
    // The install's own pull may have run too: every pull used clear: 1, none reserved.
    const clears = p.fake.events.offlineGets.map((g) => g.clear)
    expect(clears.length).toBeGreaterThanOrEqual(2)
    expect(new Set(clears)).toEqual(new Set(['1']))
    expect(p.fake.events.cleared).toEqual([])
    expect(p.fake.requests.filter((r) => r.method === 'feature.get')).toHaveLength(1)
    await bridge.drain()
    expect(new Set((await sink.waitFor(60)).map((d) => d.body.messageId)).size).toBe(60)
  })

  it('keeps the reservation mode where the plan has it (feature.get = Y)', async () => {
    sink = await startWebhookSink()
    bridge = await offlineBridge('offline')
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    p.fake.setFeature('rest_offline_extended', 'Y')
    await bridge.install(p)
    queueEdit(p, 5101)
    await bridge.app.offline?.poll(p.memberId)
    expect(p.fake.events.offlineGets[0]).toMatchObject({ clear: '0' })
    expect(p.fake.events.cleared).toHaveLength(1)
  })
})
