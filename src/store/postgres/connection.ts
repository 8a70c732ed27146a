import type pg from 'pg'
import { lazyModule } from '../../runtime/lazy-module.js'

/** Loaded when a Postgres store is opened: a SQLite bridge never loads the driver. */
const pgModule = lazyModule<typeof pg>('pg')

/** BIGINT columns hold milliseconds and ids well inside 2^53: read them back as numbers. */
const INT8_OID = 20
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pgModule().types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
}

export interface PoolOptions {
  url: string
  /** Connections per instance (`storage.poolSize`). */
  max?: number
  /** Sent as application_name, so `pg_stat_activity` shows which instance holds what. */
  applicationName?: string
}

/**
 * A pool whose sessions keep `synchronous_commit = on` whatever the server default: an event is
 * acknowledged to Bitrix24 only after its commit is durable.
 */
export function createPool(options: PoolOptions): pg.Pool {
  return new (pgModule().Pool)({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'openline-bridge',
    options: '-c synchronous_commit=on',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    types,
  })
}

/** A single connection with the same settings (LISTEN, migrations, CLI). */
export function createClient(options: PoolOptions): pg.Client {
  return new (pgModule().Client)({
    connectionString: options.url,
    application_name: options.applicationName ?? 'openline-bridge',
    options: '-c synchronous_commit=on',
    connectionTimeoutMillis: 10_000,
    types,
  })
}

/** Runs `fn` in one transaction on one pooled connection; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true
    })
    throw err
  } finally {
    client.release(broken)
  }
}

/** The URL without password and query (which may carry one), for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    parsed.search = ''
    return parsed.href
  } catch {
    return '(unparsable storage.url)'
  }
}
