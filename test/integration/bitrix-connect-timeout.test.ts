import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/create-client.js'
import type { BitrixError } from '../../src/bitrix/errors.js'
import { createOAuthTokens } from '../../src/bitrix/oauth-tokens.js'
import { loadPortalRegistry } from '../../src/bitrix/portal-registry.js'
import type { PortalRecord } from '../../src/bitrix/types.js'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { ErrorCodes } from '../../src/errors.js'
import { withConnectTimeout } from '../../src/http/connect-timeout.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'
import { credentials } from '../support/store-behaviour.js'
import { startUnacceptingListener, type UnacceptingListener } from '../support/unaccepting-listener.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function deadHost(): Promise<UnacceptingListener> {
  const listener = await startUnacceptingListener()
  cleanups.push(() => listener.close())
  return listener
}

function timedFetch(connectTimeoutMs: number): typeof fetch {
  const http = withConnectTimeout(fetch, connectTimeoutMs)
  cleanups.push(() => http.close())
  return http.fetch
}

// Request timeouts far above the connect timeout: only the connect timer can end these reads early.
const slowPatience = { timeoutMs: 55_000, batchTimeoutMs: 55_000 }
const rateLimit = { burst: 50, perSecond: 50 }

describe('bitrix.connectTimeoutMs', () => {
  it('fails a read from a portal whose host never completes the connection with the connect-timeout error', async () => {
    const dead = await deadHost()
    const portal: PortalRecord = { id: 'member-1', domain: dead.host, webhookUrl: `${dead.url}/rest/1/code/` }
    const client = createBitrixClient({ rateLimit, ...slowPatience, retries: 0, fetch: timedFetch(300) })
    const [result] = await client.readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    expect(result?.status).toBe('error')
    const error = (result as { error: BitrixError }).error
    expect(error).toMatchObject({
      code: ErrorCodes.BITRIX_CONNECT_TIMEOUT,
      bitrixCode: 'CONNECT_TIMEOUT',
      retryable: true,
    })
    expect(error.message).toContain(dead.host)
    expect(error.message).toContain('bitrix.connectTimeoutMs')
  })

  it('still gives a slow reply on an established connection the batch timeout', async () => {
    const fake: FakePortal = await startFakePortal()
    cleanups.push(() => fake.close())
    fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'late but fine' })
    // The batch is answered well after the connect timeout (and after the plain REST timeout).
    fake.failNext(1, { delayMs: 2500 })
    const client = createBitrixClient({
      rateLimit,
      timeoutMs: 200,
      batchTimeoutMs: 55_000,
      retries: 0,
      fetch: timedFetch(200),
    })
    const portal: PortalRecord = { id: 'member-1', domain: fake.host, webhookUrl: fake.webhookUrl }
    const [result] = await client.readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    expect(result).toMatchObject({ status: 'ok', message: { id: 2057, text: 'late but fine' } })
    expect(fake.stats.requests).toBe(1)
  })

  it('fails a token refresh at an OAuth server that never accepts as retryable, without asking for a re-install', async () => {
    const dead = await deadHost()
    const dir = await mkdtemp(join(tmpdir(), 'olb-connect-'))
    const store = openSqliteStore({ path: join(dir, 'bridge.db') })
    cleanups.push(async () => {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    })
    await store.savePortal(
      credentials({
        memberId: 'member-1',
        domain: 'example-portal.bitrix24.com',
        clientEndpoint: 'https://example-portal.bitrix24.com/rest/',
        serverEndpoint: `${dead.url}/rest/`,
        accessToken: 'stale-access',
        expiresAt: 0,
      }),
    )
    const registry = await loadPortalRegistry([], store)
    const tokens = createOAuthTokens({
      registry,
      app: { clientId: 'app.1', clientSecret: 'secret', oauthServer: dead.url },
      fetch: timedFetch(300),
      timeoutMs: 55_000,
    })
    const portal = registry.get('member-1')
    if (portal === undefined) throw new Error('portal not loaded')
    const error = await tokens.refresh(portal, 'stale-access').then(
      () => {
        throw new Error('expected the refresh to fail')
      },
      (err: BitrixError) => err,
    )
    expect(error).toMatchObject({ code: ErrorCodes.BITRIX_OAUTH, retryable: true })
    expect(error.message).toContain(dead.host)
    expect(error.message).toContain('bitrix.connectTimeoutMs')
    expect(registry.get('member-1')?.status).toBe('active')
  })

  it('is applied by the bridge to its portal reads: the failed read is logged with the connect-timeout code', async () => {
    const dead = await deadHost()
    const sink: WebhookSink = await startWebhookSink()
    cleanups.push(() => sink.close())
    const bridge: Bridge = await startBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      bitrix: {
        portals: [
          {
            domain: fixturePortal.domain,
            memberId: fixturePortal.memberId,
            applicationToken: fixturePortal.applicationToken,
            webhookUrl: `${dead.url}/rest/1/code/`,
          },
        ],
        connectTimeoutMs: 300,
        ...slowPatience,
        retries: 0,
      },
      pipeline: { maxAttempts: 1 },
    })
    cleanups.push(() => bridge.close())
    expect((await bridge.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2057 }]))).status).toBe(
      200,
    )
    await bridge.drain()
    const [dead1] = await bridge.app.store.listDead('fetch')
    expect(dead1?.reason).toContain(ErrorCodes.BITRIX_CONNECT_TIMEOUT)
    expect(sink.requests).toHaveLength(0)
  })
})
