import { describe } from 'vitest'
import { openPostgresStore, type PostgresStoreOptions } from '../../../src/store/postgres/index.js'
import { createTestDatabase, pgEnabled } from '../../support/postgres/databases.js'
import { describeStoreBehaviour, FakeClock, type StoreHarness } from '../../support/store-behaviour.js'

async function openHarness(options: Partial<PostgresStoreOptions> = {}): Promise<StoreHarness> {
  const db = await createTestDatabase()
  const clock = new FakeClock()
  const harness: StoreHarness = {
    store: openPostgresStore({ ...options, url: db.url, clock, poolSize: 4 }),
    clock,
    async reopen() {
      await harness.store.close()
      harness.store = openPostgresStore({ ...options, url: db.url, clock, poolSize: 4 })
      return harness.store
    },
    async cleanup() {
      await harness.store.close()
      await db.drop()
    },
  }
  return harness
}

describe.skipIf(!pgEnabled())('postgres (PG_TESTS=skip skips this file)', () => {
  describeStoreBehaviour('postgres', (options) => openHarness(options))
})
