import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { type OAuthBridge, startOAuthBridge } from '../support/oauth-bridge.js'
import { startTrapServer, type TrapServer } from '../support/trap-server.js'

/**
 * Issue 10, finding 3: a 302 from an allowed portal host to 127.0.0.2 was followed (the trap got
 * the access token) and then stored as the portal's new domain, so every later batch carried user
 * tokens there. Every redirect target now passes the same host guard before a byte is sent, and a
 * new domain is stored only when it passes. The trap on 127.0.0.2 must get 0 requests.
 */
let trap: TrapServer | undefined
let webhookBridge: Bridge | undefined
let oauthBridge: OAuthBridge | undefined
afterEach(async () => {
  await webhookBridge?.close()
  await oauthBridge?.close()
  await trap?.close()
  webhookBridge = undefined
  oauthBridge = undefined
  trap = undefined
})

const outputs = { 'console.main': { type: 'console', stream: 'stderr' } }

describe('finding 3: redirects pass the host guard', () => {
  it('webhook mode: a redirect to a host that is not allowed is refused before any byte goes there', async () => {
    trap = await startTrapServer()
    webhookBridge = await startBridge({ outputs })
    const b = webhookBridge
    b.portal.redirectTo(trap.url)
    expect((await b.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2057 }]))).status).toBe(200)
    await b.drain()
    expect(trap.requests).toEqual([])
    const dead = await b.app.store.listDead('fetch')
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringContaining('refused to send a redirected REST call'),
    ])
  })

  it('OAuth mode: the access token never reaches the trap and the trap is not stored as the new domain', async () => {
    trap = await startTrapServer()
    oauthBridge = await startOAuthBridge({ outputs })
    const b = oauthBridge
    const [p] = b.portals
    if (!p) throw new Error('no portal')
    expect((await b.install(p)).status).toBe(200)
    p.fake.redirectTo(trap.url)
    const operator = p.fake.issueToken('fake-operator-token')
    for (const messageId of [2057, 2058]) {
      await b.edit(p, [{ chatId: 1024, messageId }], { userToken: operator })
      await b.drain()
    }
    expect(trap.requests).toEqual([])
    expect(await b.app.store.getPortal(p.memberId)).toMatchObject({
      domain: p.domain,
      clientEndpoint: p.fake.restUrl,
    })
    expect(await b.app.store.stats('fetch')).toMatchObject({ pending: 0, dead: 2 })
  })
})
