import { resolve } from 'node:path'
import type { StorageConfig } from '../config/types.js'
import { BridgeError, ErrorCodes } from '../errors.js'
import { openPostgresStore, type PostgresStoreOptions } from './postgres/index.js'
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/index.js'
import type { Store } from './store.js'

export type * from './coordination.js'
export { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres/index.js'
export { createSecretBox, parseEncryptionKey, type SecretBox } from './secret-box.js'
export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite/index.js'
export type * from './store.js'

export interface StoreDeps
  extends Pick<SqliteStoreOptions, 'coalesce' | 'clock' | 'logger'>,
    Pick<PostgresStoreOptions, 'onJobs' | 'onPortal'> {
  /** Directory a relative `storage.path` is resolved against; default the process cwd. */
  cwd?: string
}

/** Opens the store the config names: `sqlite` (embedded, one instance) or `postgres` (shared). */
export function openStore(config: StorageConfig, deps: StoreDeps = {}): Store {
  const { cwd, onJobs, onPortal, ...options } = deps
  const key = config.encryptionKey === undefined ? {} : { encryptionKey: config.encryptionKey }
  switch (config.driver) {
    case 'sqlite': {
      const path = config.path === ':memory:' ? config.path : resolve(cwd ?? process.cwd(), config.path)
      return openSqliteStore({
        ...options,
        ...key,
        path,
        synchronous: config.synchronous === 'normal' ? 'NORMAL' : 'FULL',
      })
    }
    case 'postgres':
      return openPostgresStore({
        ...options,
        ...key,
        ...(onJobs === undefined ? {} : { onJobs }),
        ...(onPortal === undefined ? {} : { onPortal }),
        url: config.url ?? '',
        ...(config.poolSize === undefined ? {} : { poolSize: config.poolSize }),
      })
    default:
      throw new BridgeError(
        ErrorCodes.CONFIG_INVALID,
        `storage.driver "${String((config as { driver: unknown }).driver)}" is not supported; use "sqlite" or "postgres"`,
        { kind: 'config' },
      )
  }
}
