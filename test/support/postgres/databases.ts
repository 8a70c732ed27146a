import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'

/** True when this run tests Postgres (PG_TESTS is not `skip`). */
export const pgEnabled = (): boolean => inject('pgAdminUrl') !== ''

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.href
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export interface TestDatabase {
  url: string
  drop(): Promise<void>
}

/** A fresh, empty database in the run's cluster; `drop` ends its connections and removes it. */
export async function createTestDatabase(prefix = 'olb'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  return {
    url: withDatabase(inject('pgAdminUrl'), name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  }
}
