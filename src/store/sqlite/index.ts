export type { ConnectionOptions, SynchronousMode } from './connection.js'
export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './open-sqlite-store.js'
