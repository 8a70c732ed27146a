import { afterEach, describe, expect, it } from 'vitest'
import { CLIENT, lifecycleBody, type OAuthBridge, startOAuthBridge } from '../support/oauth-bridge.js'
import { startTrapServer, type TrapServer } from '../support/trap-server.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

/**
 * Issue 10, finding 4: the token refresh (which carries client_secret) goes only to
 * `bitrix.app.oauthServer`, never to the `auth[server_endpoint]` an install named — even when that
 * host is allowed (by default any `*.bitrix24.*` host is). The trap plays such an allowed host.
 */
let bridge: OAuthBridge | undefined
let trap: TrapServer | undefined
let sink: WebhookSink | undefined
afterEach(async () => {
  await bridge?.close()
  await trap?.close()
  await sink?.close()
  bridge = undefined
  trap = undefined
  sink = undefined
})

describe('finding 4: refresh only at the configured OAuth server', () => {
  it('refreshes at bitrix.app.oauthServer although the install named another allowed server_endpoint', async () => {
    trap = await startTrapServer()
    sink = await startWebhookSink()
    bridge = await startOAuthBridge({
      outputs: { hook: { type: 'webhook', url: sink.url } },
      allowHosts: [trap.host],
    })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    const install = await bridge.post(lifecycleBody('ONAPPINSTALL', p, `${trap.url}/rest/`))
    expect(install.status).toBe(200)

    // The access token expires: the next read refreshes it.
    const stored = await bridge.app.store.getPortal(p.memberId)
    p.fake.expireToken(stored?.accessToken ?? '')
    p.fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'after the refresh' })
    expect((await bridge.edit(p, [{ chatId: 1024, messageId: 2057 }])).status).toBe(200)
    await bridge.drain()
    const [delivered] = await sink.waitFor(1)
    expect(delivered?.body.text).toBe('after the refresh')

    // The client secret went to the configured server only; the event's server got nothing.
    expect(trap.requests).toEqual([])
    const refreshes = bridge.oauth.requests.filter((r) => r.params.refresh_token === stored?.refreshToken)
    expect(refreshes).toEqual([
      expect.objectContaining({
        status: 200,
        params: expect.objectContaining({ grant_type: 'refresh_token', client_secret: CLIENT.clientSecret }),
      }),
    ])
  })
})
