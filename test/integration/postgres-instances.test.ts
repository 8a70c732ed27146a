import { afterEach, describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/create-client.js'
import { createHostGuard } from '../../src/bitrix/host-guard.js'
import { createOAuthTokens } from '../../src/bitrix/oauth-tokens.js'
import { createOfflinePoller } from '../../src/bitrix/offline-events.js'
import { loadPortalRegistry, type PortalRegistry } from '../../src/bitrix/portal-registry.js'
import type { PortalRecord } from '../../src/bitrix/types.js'
import { silentLogger } from '../../src/observability/logger.js'
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js'
import { type FakeOAuthServer, startFakeOAuthServer } from '../support/fake-oauth-server.js'
import { CLIENT, newTestPortal, storedPortal, type TestPortal } from '../support/oauth-bridge.js'
import { createTestDatabase, pgEnabled } from '../support/postgres/databases.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Instance {
  store: PostgresStore
  read: ReturnType<typeof createBitrixClient>
  registry: PortalRegistry
}

/** One portal installed in one shared database, and `count` bridge instances on it. */
async function instancesOnOnePortal(
  count: number,
  options: { shared: boolean; rateLimit: { burst: number; perSecond: number } },
): Promise<{ portal: TestPortal; oauth: FakeOAuthServer; record: PortalRecord; instances: Instance[] }> {
  const oauth = await startFakeOAuthServer(CLIENT)
  const portal = await newTestPortal(oauth)
  const db = await createTestDatabase()
  cleanups.push(async () => {
    await portal.fake.close()
    await oauth.close()
    await db.drop()
  })
  const instances: Instance[] = []
  for (let n = 0; n < count; n++) {
    const store = openPostgresStore({ url: db.url, poolSize: 6 })
    cleanups.push(() => store.close())
    if (n === 0) {
      await store.savePortal(storedPortal(portal, oauth))
    }
    const registry = await loadPortalRegistry([], store)
    const hosts = createHostGuard([portal.domain, oauth.host])
    const shared = options.shared ? store.coordination : undefined
    const tokens = createOAuthTokens({
      registry,
      app: { ...CLIENT, oauthServer: oauth.url },
      fetch,
      timeoutMs: 5000,
      ...(shared === undefined ? {} : { lock: shared.withLock }),
    })
    const read = createBitrixClient({
      rateLimit: options.rateLimit,
      timeoutMs: 5000,
      retries: 3,
      backoffBaseMs: 50,
      oauth: { tokens, hosts },
      ...(shared === undefined
        ? {}
        : { rateBucket: (id: string) => shared.rateBucket(id, options.rateLimit) }),
    })
    instances.push({ store, read, registry })
  }
  const record: PortalRecord = {
    id: portal.memberId,
    memberId: portal.memberId,
    domain: portal.domain,
    installed: true,
    clientEndpoint: portal.fake.restUrl,
    status: 'active',
  }
  return { portal, oauth, record, instances }
}

describe.skipIf(!pgEnabled())('instances sharing one Postgres store (PG_TESTS=skip skips this file)', () => {
  it('refresh an expired token exactly once across three instances; every read succeeds', async () => {
    const { portal, oauth, record, instances } = await instancesOnOnePortal(3, {
      shared: true,
      rateLimit: { burst: 100, perSecond: 100 },
    })
    for (let id = 1; id <= 15; id++) portal.fake.setMessage({ id, chatId: 5, authorId: 1, text: `m${id}` })
    portal.fake.expireToken(portal.accessToken)
    // Slow answers: every instance finds the token expired while the first refresh is in flight.
    oauth.setDelay(200)
    const reads = instances.flatMap((instance, n) =>
      Array.from({ length: 5 }, (_, i) =>
        instance.read.readMessages(record, [{ chatId: 5, messageId: n * 5 + i + 1 }]),
      ),
    )
    const results = await Promise.all(reads)
    expect(results.map((r) => (r[0]?.status === 'ok' ? r[0].message.text : r[0]?.status))).toEqual(
      Array.from({ length: 15 }, (_, i) => `m${i + 1}`),
    )
    expect(oauth.requests.map((r) => r.status)).toEqual([200])
    const stored = await instances[2]!.store.getPortal(portal.memberId)
    expect(stored?.status).toBe('active')
    expect(stored?.refreshToken).not.toBe(portal.refreshToken)
  })

  it('keep three instances together within the portal bucket: no 503 from the portal', async () => {
    // Bitrix24's own drain rate (2/s) with a small burst: three local buckets would send 3 × 9
    // requests at once into a portal bucket of 10.
    const limit = { burst: 10, perSecond: 2 }
    const { portal, record, instances } = await instancesOnOnePortal(3, { shared: true, rateLimit: limit })
    portal.fake.setRateLimit(limit)
    for (let id = 1; id <= 18; id++) portal.fake.setMessage({ id, chatId: 5, authorId: 1, text: `m${id}` })
    const reads = instances.flatMap((instance, n) =>
      Array.from({ length: 6 }, (_, i) =>
        instance.read.readMessages(record, [{ chatId: 5, messageId: n * 6 + i + 1 }]),
      ),
    )
    const results = await Promise.all(reads)
    expect(results.filter((r) => r[0]?.status === 'ok')).toHaveLength(18)
    expect(portal.fake.stats.rejected503).toBe(0)
    expect(portal.fake.stats.requests).toBe(18)
  })

  it('pull the offline queue on one instance at a time; the other stands by', async () => {
    const { portal, instances } = await instancesOnOnePortal(2, {
      shared: true,
      rateLimit: { burst: 100, perSecond: 100 },
    })
    for (let id = 1; id <= 60; id++) {
      portal.fake.addOfflineEvent('ONOPENLINEMESSAGEUPDATE', { id }, `m${id}`)
    }
    let firstAccepted: () => void = () => {}
    const pulling = new Promise<void>((resolve) => {
      firstAccepted = resolve
    })
    const accepted = [0, 0]
    const pollers = instances.map((instance, n) =>
      createOfflinePoller({
        bitrix: instance.read,
        registry: instance.registry,
        logger: silentLogger(),
        tryLock: instance.store.coordination.tryLock,
        async accept() {
          accepted[n] = (accepted[n] ?? 0) + 1
          firstAccepted()
          await new Promise((resolve) => setTimeout(resolve, 5))
          return 1
        },
      }),
    )
    const first = pollers[0]!.poll(portal.memberId)
    await pulling
    // The first instance holds the portal's pull lock: the second one pulls nothing.
    expect(await pollers[1]!.poll(portal.memberId)).toEqual({ events: 0, queued: 0 })
    expect(await first).toEqual({ events: 60, queued: 60 })
    expect(accepted).toEqual([60, 0])
    expect(portal.fake.events.offline).toEqual([])
    // Once it is done, the other instance may pull (nothing is left).
    expect(await pollers[1]!.poll(portal.memberId)).toEqual({ events: 0, queued: 0 })
  })
})
