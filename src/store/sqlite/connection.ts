import Database from 'better-sqlite3'
import { BridgeError, ErrorCodes, errorMessage } from '../../errors.js'
import { createPrivateDataFiles } from './file-modes.js'
import { migrate } from './schema.js'

/**
 * `FULL` (default): every commit is fsynced, so an acknowledged event survives a process crash
 * and a power loss. `NORMAL`: in WAL mode commits are fsynced only at checkpoints; a process
 * crash still loses nothing (the WAL is in the OS page cache), but a power loss or kernel panic
 * may drop the last commits — events Bitrix24 was already told we stored. Choose it only when
 * the throughput matters more than that window (see DESIGN.md, "the request path is the hot path").
 */
export type SynchronousMode = 'NORMAL' | 'FULL'

export interface ConnectionOptions {
  path: string
  synchronous?: SynchronousMode
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number
}

export function openDatabase(options: ConnectionOptions): Database.Database {
  const { path } = options
  let db: Database.Database
  try {
    // Directory 0700, database file 0600 (SQLite gives -wal and -shm the database file's mode).
    if (path !== ':memory:') createPrivateDataFiles(path)
    db = new Database(path)
  } catch (err) {
    throw new BridgeError(
      ErrorCodes.STORE_UNAVAILABLE,
      `cannot open the SQLite store at ${path} (${errorMessage(err)}); check that the directory exists or ` +
        'can be created and is writable, or change storage.path',
      { cause: err, kind: 'config' },
    )
  }
  try {
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`)
    migrate(db, path)
    return db
  } catch (err) {
    db.close()
    if (err instanceof BridgeError) throw err
    throw new BridgeError(
      ErrorCodes.STORE_UNAVAILABLE,
      `cannot prepare the SQLite store at ${path} (${errorMessage(err)}); check that the file is a ` +
        'bridge database and writable, or change storage.path',
      { cause: err, kind: 'config' },
    )
  }
}
