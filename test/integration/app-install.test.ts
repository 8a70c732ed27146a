import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakePortal } from '../support/fake-portal.js'
import { CLIENT, lifecycleBody, type OAuthBridge, startOAuthBridge } from '../support/oauth-bridge.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let bridge: OAuthBridge | undefined
let sink: WebhookSink | undefined

afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await sink?.close()
  sink = undefined
})

const outputs = { 'console.main': { type: 'console', stream: 'stderr' } }
const edit = [{ chatId: 1024, messageId: 2057 }]

describe('install, update, uninstall (OAuth mode)', () => {
  it('accepts events carrying the installed token; another token or an unknown member gets 401', async () => {
    bridge = await startOAuthBridge({ outputs })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    expect((await bridge.edit(p, edit)).status).toBe(401)

    const installed = await bridge.install(p)
    expect(installed).toEqual({ status: 200, body: { ok: true, installed: p.domain } })
    expect(await bridge.edit(p, edit)).toEqual({ status: 200, body: { ok: true, queued: 1 } })

    const wrongToken = await bridge.edit({ ...p, applicationToken: 'fake-apptoken-forged' }, edit)
    expect(wrongToken.status).toBe(401)
    expect(wrongToken.body.code).toBe('BRG_ERR_AUTH_TOKEN_MISMATCH')
    const unknown = await bridge.edit(
      { ...p, memberId: 'unknown-member', domain: 'other.bitrix24.com' },
      edit,
    )
    expect(unknown.status).toBe(401)
    // Unknown portal and wrong token answer alike: the 401 reveals nothing about known portals.
    expect(unknown.body).toEqual(wrongToken.body)
    expect((await bridge.app.store.stats('fetch')).pending).toBe(1)

    // The install was proven at the OAuth server, whose new token pair is what was stored.
    const proof = bridge.oauth.requests.at(-1)
    expect(proof).toMatchObject({
      status: 200,
      params: { grant_type: 'refresh_token', client_id: CLIENT.clientId },
    })
    const [stored] = await bridge.app.store.listPortals()
    expect(stored).toMatchObject({
      memberId: p.memberId,
      domain: p.domain,
      clientEndpoint: p.fake.restUrl,
      serverEndpoint: bridge.oauth.serverEndpoint,
      applicationToken: p.applicationToken,
      accessToken: proof?.issued?.access,
      refreshToken: proof?.issued?.refresh,
      status: 'active',
    })
  })

  it('accepts the install callback of a local app on server.installPath', async () => {
    bridge = await startOAuthBridge({ outputs })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    expect((await bridge.install(p, '/bitrix/install')).status).toBe(200)
    expect((await bridge.edit(p, edit)).status).toBe(200)
  })

  it('ONAPPUPDATE rotates the application token: the old one is refused from then on', async () => {
    bridge = await startOAuthBridge({ outputs })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    const rotated = await bridge.update(p, 'fake-apptoken-rotated-9d0e11')
    expect(rotated).toEqual({ status: 200, body: { ok: true, updated: p.domain } })
    expect((await bridge.edit(p, edit)).status).toBe(401)
    expect((await bridge.edit({ ...p, applicationToken: 'fake-apptoken-rotated-9d0e11' }, edit)).status).toBe(
      200,
    )
    expect((await bridge.app.store.getPortal(p.memberId))?.applicationToken).toBe(
      'fake-apptoken-rotated-9d0e11',
    )
  })

  it('refuses a token rotation whose refresh token the OAuth server does not accept', async () => {
    bridge = await startOAuthBridge({ outputs })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    const forged = lifecycleBody('ONAPPUPDATE', p, bridge.oauth.serverEndpoint, {
      application_token: 'attacker-token',
      refresh_token: 'not-issued-by-the-oauth-server',
    })
    const res = await bridge.post(forged)
    expect(res.status).toBe(403)
    expect(res.body.code).toBe('BRG_ERR_AUTH_INSTALL_REFUSED')
    expect((await bridge.edit(p, edit)).status).toBe(200)
    expect((await bridge.edit({ ...p, applicationToken: 'attacker-token' }, edit)).status).toBe(401)
  })

  it('ONAPPUNINSTALL removes the credentials and pending jobs but keeps the mirror map', async () => {
    sink = await startWebhookSink()
    bridge = await startOAuthBridge({ outputs: { 'hook.ops': { type: 'webhook', url: sink.url } } })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    p.fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'mirrored before uninstall' })
    await bridge.edit(p, edit)
    await bridge.drain()
    await sink.waitFor(1)
    await bridge.edit(p, [{ chatId: 1024, messageId: 2058 }])

    const forged = await bridge.post(
      lifecycleBody('ONAPPUNINSTALL', { ...p, applicationToken: 'forged' }, ''),
    )
    expect(forged.status).toBe(401)
    expect(await bridge.app.store.listPortals()).toHaveLength(1)

    const res = await bridge.uninstall(p)
    expect(res).toEqual({ status: 200, body: { ok: true, uninstalled: p.domain, jobsDropped: 1 } })
    expect(await bridge.app.store.listPortals()).toEqual([])
    expect(await bridge.app.store.stats('fetch')).toMatchObject({ pending: 0, leased: 0 })
    expect(await bridge.app.store.getMirror(p.memberId, 2057, 'hook.ops')).toBeDefined()
    expect((await bridge.edit(p, edit)).status).toBe(401)
  })

  it('with onUninstall: purge the mirror map goes too', async () => {
    sink = await startWebhookSink()
    bridge = await startOAuthBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      bitrix: { onUninstall: 'purge' },
    })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    p.fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'hello' })
    await bridge.edit(p, edit)
    await bridge.drain()
    await sink.waitFor(1)
    await bridge.uninstall(p)
    expect(await bridge.app.store.getMirror(p.memberId, 2057, 'hook.ops')).toBeUndefined()
  })

  it('refuses installs from new portals when allowInstall is false or the domain is not allowed', async () => {
    bridge = await startOAuthBridge({
      outputs,
      bitrix: { app: { clientId: 'x', clientSecret: 'y', allowInstall: false } },
    })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    const off = await bridge.install(p)
    expect(off.status).toBe(403)
    expect(off.body.code).toBe('BRG_ERR_AUTH_INSTALL_REFUSED')
    await bridge.close()

    bridge = await startOAuthBridge({
      outputs,
      bitrix: { app: { clientId: 'x', clientSecret: 'y', allowedDomains: ['only.bitrix24.com'] } },
    })
    const [q] = bridge.portals
    if (!q) throw new Error('no portal')
    expect((await bridge.install(q)).status).toBe(403)
    expect(await bridge.app.store.listPortals()).toEqual([])
    // Nothing was asked of the portal: the refusal comes before the proof call.
    expect(q.fake.requests).toEqual([])
  })

  it('refuses an install whose refresh token the OAuth server does not accept, storing nothing', async () => {
    bridge = await startOAuthBridge({ outputs })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    const res = await bridge.post(
      lifecycleBody('ONAPPINSTALL', p, bridge.oauth.serverEndpoint, { refresh_token: 'made-up' }),
    )
    expect(res.status).toBe(403)
    expect(bridge.oauth.requests.map((r) => r.status)).toEqual([400])
    expect(await bridge.app.store.listPortals()).toEqual([])
  })

  it('stores tokens encrypted when storage.encryptionKey is set, and reads them back after a restart', async () => {
    const key = Buffer.alloc(32, 7).toString('base64')
    bridge = await startOAuthBridge({ outputs, storage: { encryptionKey: key } })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    await bridge.edit(p, edit, { userToken: 'fake-user-token-secret' })
    const raw = new Database(bridge.dbPath, { readonly: true })
    const dump = JSON.stringify([
      raw.prepare('SELECT * FROM portals').all(),
      raw.prepare('SELECT payload FROM jobs').all(),
    ])
    raw.close()
    for (const secret of [p.accessToken, p.refreshToken, p.applicationToken, 'fake-user-token-secret']) {
      expect(dump).not.toContain(secret)
    }
    expect(dump).toContain('enc:v1:')

    const { dbPath, portals, oauth } = bridge
    await bridge.app.close()
    bridge = await startOAuthBridge({ outputs, storage: { encryptionKey: key }, dbPath, portals, oauth })
    expect((await bridge.app.store.getPortal(p.memberId))?.refreshToken).toBe(p.refreshToken)
    expect((await bridge.edit(p, edit)).status).toBe(200)
  })
})

describe('SSRF guard', () => {
  it('answers 401 to an event of a known member whose client_endpoint is elsewhere, and sends nothing there', async () => {
    const elsewhere = await startFakePortal({ host: '127.0.0.2' })
    try {
      bridge = await startOAuthBridge({ outputs })
      const [p] = bridge.portals
      if (!p) throw new Error('no portal')
      await bridge.install(p)
      const body = lifecycleBody('ONAPPINSTALL', p, bridge.oauth.serverEndpoint) as {
        auth: Record<string, string>
      }
      const event = {
        event: 'ONOPENLINEMESSAGEUPDATE',
        data: {
          CONNECTOR: 'telegrambot',
          LINE: '128',
          DATA: [{ im: { chat_id: '1024', message_id: '2057' } }],
        },
        ts: body.auth.expires,
        auth: { ...body.auth, client_endpoint: `${elsewhere.url}/` },
      }
      const res = await bridge.post(event)
      expect(res.status).toBe(401)
      expect(res.body.code).toBe('BRG_ERR_AUTH_ENDPOINT_NOT_ALLOWED')

      // A forged install or token rotation pointing there is refused before any request.
      const install = await bridge.post(
        lifecycleBody('ONAPPINSTALL', { ...p, memberId: 'new-member' }, bridge.oauth.serverEndpoint, {
          client_endpoint: `${elsewhere.url}/rest/`,
          domain: elsewhere.host,
        }),
      )
      expect(install.status).toBe(401)
      const update = await bridge.post(
        lifecycleBody('ONAPPUPDATE', p, bridge.oauth.serverEndpoint, {
          application_token: 'other',
          client_endpoint: `${elsewhere.url}/rest/`,
        }),
      )
      expect(update.status).toBe(401)
      // An allowed endpoint that is not on the portal's own domain is refused too.
      const mismatch = await bridge.post(
        lifecycleBody(
          'ONAPPINSTALL',
          { ...p, memberId: 'fourth', domain: 'victim.bitrix24.com' },
          bridge.oauth.serverEndpoint,
        ),
      )
      expect(mismatch.status).toBe(401)
      expect(await bridge.app.store.listPortals()).toHaveLength(1)
      const oauthElsewhere = await bridge.post(
        lifecycleBody('ONAPPINSTALL', { ...p, memberId: 'third' }, `${elsewhere.url}/rest/`),
      )
      expect(oauthElsewhere.status).toBe(401)
      await bridge.drain()
      expect(elsewhere.requests).toEqual([])
      expect(elsewhere.stats.requests).toBe(0)
      expect(await bridge.app.store.stats('fetch')).toMatchObject({ pending: 0 })
    } finally {
      await elsewhere.close()
    }
  })
})
