export { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from './open-postgres-store.js'
export { migrations, pendingMigrations, schemaVersion } from './schema.js'
