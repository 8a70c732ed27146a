import { resolve } from 'node:path'
import type { StorageConfig } from '../config/types.js'
import { BridgeError, ErrorCodes } from '../errors.js'
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/index.js'
import type { Store } from './store.js'

export { createSecretBox, parseEncryptionKey, type SecretBox } from './secret-box.js'
export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite/index.js'
export type * from './store.js'

export interface StoreDeps extends Pick<SqliteStoreOptions, 'coalesce' | 'clock' | 'logger'> {
  /** Directory a relative `storage.path` is resolved against; default the process cwd. */
  cwd?: string
}

/** Opens the store the config names (only `sqlite` for now; `redis` comes with scale-out). */
export function openStore(config: StorageConfig, deps: StoreDeps = {}): Store {
  switch (config.driver) {
    case 'sqlite': {
      const { cwd, ...options } = deps
      const path = config.path === ':memory:' ? config.path : resolve(cwd ?? process.cwd(), config.path)
      return openSqliteStore({
        ...options,
        path,
        synchronous: config.synchronous === 'normal' ? 'NORMAL' : 'FULL',
        ...(config.encryptionKey === undefined ? {} : { encryptionKey: config.encryptionKey }),
      })
    }
    default:
      throw new BridgeError(
        ErrorCodes.CONFIG_INVALID,
        `storage.driver "${String((config as { driver: unknown }).driver)}" is not supported; use "sqlite"`,
        { kind: 'config' },
      )
  }
}
