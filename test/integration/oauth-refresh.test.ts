import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/create-client.js'
import { createHostGuard } from '../../src/bitrix/host-guard.js'
import { createOAuthTokens } from '../../src/bitrix/oauth-tokens.js'
import { loadPortalRegistry } from '../../src/bitrix/portal-registry.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import { type FakeOAuthServer, startFakeOAuthServer } from '../support/fake-oauth-server.js'
import {
  CLIENT,
  newTestPortal,
  type OAuthBridge,
  startOAuthBridge,
  storedPortal,
  type TestPortal,
} from '../support/oauth-bridge.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let bridge: OAuthBridge | undefined
let sink: WebhookSink | undefined
const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await sink?.close()
  sink = undefined
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function installedClient(): Promise<{
  portal: TestPortal
  oauth: FakeOAuthServer
  read: ReturnType<typeof createBitrixClient>
  memberId: string
  store: ReturnType<typeof openSqliteStore>
}> {
  const oauth = await startFakeOAuthServer(CLIENT)
  const portal = await newTestPortal(oauth)
  const dir = await mkdtemp(join(tmpdir(), 'olb-refresh-'))
  const store = openSqliteStore({ path: join(dir, 'bridge.db') })
  cleanups.push(async () => {
    await store.close()
    await portal.fake.close()
    await oauth.close()
    await rm(dir, { recursive: true, force: true })
  })
  await store.savePortal(storedPortal(portal, oauth))
  const registry = await loadPortalRegistry([], store)
  const hosts = createHostGuard([portal.domain, oauth.host])
  const tokens = createOAuthTokens({
    registry,
    app: { ...CLIENT, oauthServer: oauth.url },
    fetch,
    timeoutMs: 30_000,
  })
  const read = createBitrixClient({
    rateLimit: { burst: 100, perSecond: 100 },
    timeoutMs: 30_000,
    retries: 0,
    oauth: { tokens, hosts },
  })
  return { portal, oauth, read, memberId: portal.memberId, store }
}

describe('OAuth token refresh', () => {
  it('refreshes exactly once for 20 concurrent reads that find the token expired, and all of them succeed', async () => {
    const { portal, oauth, read, store } = await installedClient()
    for (let id = 1; id <= 20; id++)
      portal.fake.setMessage({ id, chatId: 5, authorId: 1, text: `message ${id}` })
    portal.fake.expireToken(portal.accessToken)
    oauth.setDelay(50)
    const record = {
      id: portal.memberId,
      memberId: portal.memberId,
      domain: portal.domain,
      installed: true,
      clientEndpoint: portal.fake.restUrl,
      status: 'active' as const,
    }
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => read.readMessages(record, [{ chatId: 5, messageId: i + 1 }])),
    )
    expect(results.map((r) => (r[0]?.status === 'ok' ? r[0].message.text : r[0]?.status))).toEqual(
      Array.from({ length: 20 }, (_, i) => `message ${i + 1}`),
    )
    expect(oauth.requests).toHaveLength(1)
    expect(oauth.requests[0]?.params).toMatchObject({
      grant_type: 'refresh_token',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      refresh_token: portal.refreshToken,
    })
    const stored = await store.getPortal(portal.memberId)
    expect(stored?.accessToken).not.toBe(portal.accessToken)
    expect(stored?.refreshToken).not.toBe(portal.refreshToken)
    // The retried reads carried the new token.
    const lastBatch = portal.fake.requests.filter((r) => r.method === 'batch').at(-1)
    expect(lastBatch?.auth).toBe(stored?.accessToken)
  })

  it('prefers the editing user token for the read, and falls back to the app token when it expired', async () => {
    sink = await startWebhookSink()
    bridge = await startOAuthBridge({ outputs: { 'hook.ops': { type: 'webhook', url: sink.url } } })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    p.fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'read as the operator' })
    const operator = p.fake.issueToken('fake-operator-token')
    await bridge.edit(p, [{ chatId: 1024, messageId: 2057 }], { userToken: operator })
    await bridge.drain()
    const batches = () => p.fake.requests.filter((r) => r.method === 'batch')
    expect(batches().map((r) => r.auth)).toEqual([operator])

    p.fake.expireToken(operator)
    p.fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'read as the app' })
    await bridge.edit(p, [{ chatId: 1024, messageId: 2057 }], { userToken: operator })
    await bridge.drain()
    expect(batches().map((r) => r.auth)).toEqual([operator, operator, p.accessToken])
    const delivered = await sink.waitFor(2)
    expect(delivered.map((d) => d.body.text)).toEqual(['read as the operator', 'read as the app'])
  })

  it('invalid_grant: the portal needs a re-install, its jobs wait (never dead), and resume after a new install', async () => {
    sink = await startWebhookSink()
    bridge = await startOAuthBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      pipeline: { maxAttempts: 2 },
    })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    for (const id of [2057, 2058, 2059])
      p.fake.setMessage({ id, chatId: 1024, authorId: 7, text: `text ${id}` })
    p.fake.expireToken(p.accessToken)
    bridge.oauth.revoke(p.refreshToken)
    await bridge.edit(
      p,
      [2057, 2058, 2059].map((messageId) => ({ chatId: 1024, messageId })),
    )

    for (let round = 0; round < 4; round++) {
      await bridge.drain()
      await new Promise((r) => setTimeout(r, 220))
    }
    expect(sink.requests).toEqual([])
    expect(await bridge.app.store.stats('fetch')).toMatchObject({ pending: 3, dead: 0 })
    expect(await bridge.app.store.listDead()).toEqual([])
    // Waiting used up none of the jobs' attempts (maxAttempts is 2; four rounds went by).
    const raw = new Database(bridge.dbPath, { readonly: true })
    const attempts = raw.prepare("SELECT attempts FROM jobs WHERE queue = 'fetch'").all()
    raw.close()
    expect(attempts).toEqual([{ attempts: 0 }, { attempts: 0 }, { attempts: 0 }])
    expect((await bridge.app.store.getPortal(p.memberId))?.status).toBe('needs-reinstall')
    // The install's proof, then the refused refresh.
    expect(bridge.oauth.requests.map((r) => r.status)).toEqual([200, 400])
    const ready = await bridge.app.admin.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json().portals.needsReinstall).toEqual([
      expect.objectContaining({ portal: p.domain, memberId: p.memberId }),
    ])

    // The administrator reinstalls the app: new tokens, the waiting jobs run now.
    const fresh = { ...p, accessToken: p.fake.issueToken(), refreshToken: 'fake-refresh-after-reinstall' }
    bridge.oauth.grant(fresh.refreshToken, p.fake, p.memberId)
    expect((await bridge.install(fresh)).status).toBe(200)
    await bridge.drain()
    const delivered = await sink.waitFor(3)
    expect(delivered.map((d) => d.body.messageId).sort()).toEqual([2057, 2058, 2059])
    expect((await bridge.app.store.getPortal(p.memberId))?.status).toBe('active')
    const readyAfter = await bridge.app.admin.inject({ method: 'GET', url: '/readyz' })
    expect(readyAfter.json().portals.needsReinstall).toEqual([])
  })

  it('NO_AUTH_FOUND for the app token also marks the portal for re-install', async () => {
    bridge = await startOAuthBridge({ outputs: { 'console.main': { type: 'console', stream: 'stderr' } } })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    p.fake.revokeToken(p.accessToken)
    await bridge.edit(p, [{ chatId: 1024, messageId: 2057 }])
    await bridge.drain()
    expect((await bridge.app.store.getPortal(p.memberId))?.status).toBe('needs-reinstall')
    expect(await bridge.app.store.stats('fetch')).toMatchObject({ pending: 1, dead: 0 })
  })

  it('invalid_token gets one refresh and one retry (as the official JS SDK does), not a re-install', async () => {
    bridge = await startOAuthBridge({ outputs: { 'console.main': { type: 'console', stream: 'stderr' } } })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    p.fake.invalidateToken(p.accessToken)
    await bridge.edit(p, [{ chatId: 1024, messageId: 2057 }])
    await bridge.drain()
    expect((await bridge.app.store.getPortal(p.memberId))?.status).toBe('active')
    // The install's proof, then the one refresh.
    expect(bridge.oauth.requests.map((r) => r.status)).toEqual([200, 200])
    expect(await bridge.app.store.stats('fetch')).toMatchObject({ pending: 0, dead: 0 })
  })

  it('INVALID_CREDENTIALS (403) fails that job with advice; the portal stays active', async () => {
    bridge = await startOAuthBridge({ outputs: { 'console.main': { type: 'console', stream: 'stderr' } } })
    const [p] = bridge.portals
    if (!p) throw new Error('no portal')
    await bridge.install(p)
    p.fake.failFor(60_000, {
      status: 403,
      body: { error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' },
    })
    await bridge.edit(p, [{ chatId: 1024, messageId: 2057 }])
    await bridge.drain()
    expect((await bridge.app.store.getPortal(p.memberId))?.status).toBe('active')
    const [dead] = await bridge.app.store.listDead('fetch')
    expect(dead?.reason).toMatch(/lacks the permissions/)
  })
})
