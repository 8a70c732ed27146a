import { afterEach, describe, expect, it } from 'vitest'
import { startFakeOAuthServer } from '../support/fake-oauth-server.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'
import { CLIENT, newTestPortal, type OAuthBridge, startOAuthBridge } from '../support/oauth-bridge.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let bridge: OAuthBridge | undefined
const sinks: WebhookSink[] = []
const fakes: FakePortal[] = []
const closers: (() => Promise<void>)[] = []

afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  for (const s of sinks.splice(0)) await s.close()
  for (const f of fakes.splice(0)) await f.close()
  for (const close of closers.splice(0)) await close()
})

async function sink(): Promise<WebhookSink> {
  const s = await startWebhookSink()
  sinks.push(s)
  return s
}

describe('many portals', () => {
  it('keeps two portals apart: own limiter, own tokens, own routes, own mirror map', async () => {
    const [a, b] = [await sink(), await sink()]
    const oauth = await startFakeOAuthServer(CLIENT)
    const [p1, p2] = [await newTestPortal(oauth), await newTestPortal(oauth)]
    if (!p1 || !p2) throw new Error('no portals')
    bridge = await startOAuthBridge({
      portals: [p1, p2],
      oauth,
      outputs: { 'hook.a': { type: 'webhook', url: a.url }, 'hook.b': { type: 'webhook', url: b.url } },
      // One request at once per portal, then one per 100 s: a shared bucket would hold the second
      // portal's read for 100 s (and time this test out); separate buckets let both go at once.
      bitrix: { rateLimit: { burst: 1, perSecond: 0.01 } },
      routes: [
        { match: { portal: p1.memberId }, to: ['hook.a'] },
        { match: { portal: p2.domain }, to: ['hook.b'] },
      ],
    })
    closers.push(() => oauth.close())
    fakes.push(p1.fake, p2.fake)
    for (const p of [p1, p2]) expect((await bridge.install(p)).status).toBe(200)
    p1.fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'from portal one' })
    p2.fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'from portal two' })
    await bridge.edit(p1, [{ chatId: 1024, messageId: 2057 }])
    await bridge.edit(p2, [{ chatId: 1024, messageId: 2057 }])
    // Portal two's token does not open portal one (and the other way round).
    expect((await bridge.edit({ ...p2, memberId: p1.memberId }, [{ chatId: 1, messageId: 1 }])).status).toBe(
      401,
    )
    await bridge.drain()

    expect((await a.waitFor(1)).map((r) => [r.body.portal, r.body.text])).toEqual([
      [p1.memberId, 'from portal one'],
    ])
    expect((await b.waitFor(1)).map((r) => [r.body.portal, r.body.text])).toEqual([
      [p2.memberId, 'from portal two'],
    ])
    expect(p1.fake.requests.filter((r) => r.method === 'batch').map((r) => r.auth)).toEqual([p1.accessToken])
    expect(p2.fake.requests.filter((r) => r.method === 'batch').map((r) => r.auth)).toEqual([p2.accessToken])
    expect(await bridge.app.store.getMirror(p1.memberId, 2057, 'hook.a')).toBeDefined()
    expect(await bridge.app.store.getMirror(p2.memberId, 2057, 'hook.b')).toBeDefined()
    expect(await bridge.app.store.getMirror(p1.memberId, 2057, 'hook.b')).toBeUndefined()
  })

  it('follows a renamed portal (302): re-POSTs to the new domain and stores it', async () => {
    const out = await sink()
    // The new domain must be an allowed host: a redirect elsewhere is refused (reliability test).
    const moved = await startFakePortal()
    fakes.push(moved)
    bridge = await startOAuthBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: out.url } },
      allowHosts: [moved.host],
    })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    moved.issueToken(p.accessToken)
    moved.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'answered by the new domain' })
    p.fake.redirectTo(moved.url)

    await bridge.edit(p, [{ chatId: 1024, messageId: 2057 }])
    await bridge.drain()
    expect((await out.waitFor(1))[0]?.body.text).toBe('answered by the new domain')
    const [redirected] = moved.requests
    expect(redirected?.method).toBe('batch')
    expect(redirected?.auth).toBe(p.accessToken)
    expect(redirected?.commands?.filter((c) => c.method === 'im.dialog.messages.get')).toHaveLength(1)
    expect(await bridge.app.store.getPortal(p.memberId)).toMatchObject({
      domain: moved.host,
      clientEndpoint: moved.restUrl,
    })

    // Events now name the new domain; reads go straight there.
    const before = p.fake.requests.length
    moved.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'edited again' })
    const event = await bridge.edit({ ...p, domain: moved.host, fake: moved }, [
      { chatId: 1024, messageId: 2057 },
    ])
    expect(event.status).toBe(200)
    await bridge.drain()
    expect((await out.waitFor(2))[1]?.body.text).toBe('edited again')
    expect(p.fake.requests.length).toBe(before)
  })
})
