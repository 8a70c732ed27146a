import type pg from 'pg'
import { BridgeError, ErrorCodes } from '../../errors.js'

/**
 * Fills the chat position of jobs that add a message (order-key.ts) from their payloads: run by
 * migration 7 and by `migrate-store` after it copies jobs written by an older SQLite store.
 */
export const addPositionBackfill = `
    UPDATE jobs SET add_chat = (payload::jsonb ->> 'portal') || '|' || (payload::jsonb #>> '{event,chatId}'),
      add_message = (payload::jsonb #>> '{event,messageId}')::bigint
      WHERE queue = 'fetch' AND payload::jsonb #>> '{event,kind}' = 'added';
    UPDATE jobs SET add_chat = (payload::jsonb ->> 'portal') || '|' || (payload::jsonb #>> '{message,chatId}'),
      add_message = (payload::jsonb #>> '{message,messageId}')::bigint
      WHERE queue = 'deliver' AND payload::jsonb #>> '{message,kind}' = 'added';`

/**
 * Ordered, append-only list of schema steps. A released step is never edited: add a new one.
 * Times are milliseconds since epoch (BIGINT, read back as numbers). `jobs.id` comes from a
 * sequence, so an id is never reused and a stale worker cannot touch a newer job.
 */
export const migrations: readonly { name: string; sql: string }[] = [
  {
    name: 'jobs, mirror map, delivery log',
    sql: `
    CREATE TABLE jobs (
      id BIGSERIAL PRIMARY KEY,
      queue TEXT NOT NULL,
      key TEXT NOT NULL,
      grp TEXT NOT NULL,
      payload TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL,
      run_at BIGINT NOT NULL,
      lease_until BIGINT,
      lease_token BIGINT,
      last_error TEXT,
      status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
      dead_at BIGINT,
      reason TEXT
    );
    CREATE INDEX jobs_claim ON jobs (queue, run_at, id) WHERE status = 'pending';
    CREATE INDEX jobs_key ON jobs (queue, key, id) WHERE status = 'pending';
    CREATE INDEX jobs_dead ON jobs (dead_at) WHERE status = 'dead';
    CREATE INDEX jobs_group ON jobs (queue, grp) WHERE status = 'pending';

    CREATE TABLE mirrors (
      portal TEXT NOT NULL,
      message_id BIGINT NOT NULL,
      output TEXT NOT NULL,
      ref TEXT NOT NULL,
      hash TEXT NOT NULL,
      version BIGINT NOT NULL,
      text TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (portal, message_id, output)
    );

    CREATE TABLE delivery_log (
      id BIGSERIAL PRIMARY KEY,
      at BIGINT NOT NULL,
      portal TEXT NOT NULL,
      message_id BIGINT NOT NULL,
      output TEXT NOT NULL,
      action TEXT NOT NULL,
      status TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      detail TEXT,
      unverified BOOLEAN
    );
    CREATE INDEX delivery_log_at ON delivery_log (at, id);
    CREATE INDEX delivery_log_message ON delivery_log (portal, message_id, at);
    `,
  },
  {
    name: 'installed portals (OAuth mode)',
    sql: `
    CREATE TABLE portals (
      member_id TEXT PRIMARY KEY,
      domain TEXT NOT NULL,
      client_endpoint TEXT NOT NULL,
      server_endpoint TEXT NOT NULL,
      application_token TEXT NOT NULL,
      access_token TEXT NOT NULL,
      refresh_token TEXT NOT NULL,
      expires_at BIGINT NOT NULL,
      scope TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'needs-reinstall')),
      status_reason TEXT,
      offline_process_id TEXT,
      installed_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    );
    `,
  },
  {
    name: 'shared Bitrix24 rate buckets (one row per portal, GCRA)',
    sql: `
    CREATE TABLE rate_buckets (
      portal TEXT PRIMARY KEY,
      tat DOUBLE PRECISION NOT NULL,
      paused_until DOUBLE PRECISION NOT NULL DEFAULT 0,
      grant_id BIGINT
    );
    `,
  },
  {
    name: 'output state (what outputs learn while running, e.g. a Telegram chat that moved)',
    sql: `
    CREATE TABLE output_state (
      output TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (output, key)
    );
    `,
  },
  {
    name: "conversations: cached chat details, and each output's thread per chat",
    sql: `
    CREATE TABLE chats (
      portal TEXT NOT NULL,
      chat_id BIGINT NOT NULL,
      title TEXT NOT NULL,
      customer_name TEXT,
      session_id BIGINT,
      read_at BIGINT NOT NULL,
      PRIMARY KEY (portal, chat_id)
    );
    CREATE TABLE conversations (
      output TEXT NOT NULL,
      portal TEXT NOT NULL,
      chat_id BIGINT NOT NULL,
      ref TEXT NOT NULL,
      session_id BIGINT,
      previous_ref TEXT,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (output, portal, chat_id)
    );
    `,
  },
  {
    name: 'status console: chat, event time and external ref per log entry; events per minute',
    sql: `
    ALTER TABLE delivery_log ADD COLUMN chat_id BIGINT;
    ALTER TABLE delivery_log ADD COLUMN received_at BIGINT;
    ALTER TABLE delivery_log ADD COLUMN ref TEXT;
    CREATE TABLE event_minutes (minute BIGINT PRIMARY KEY, events BIGINT NOT NULL);
    `,
  },
  {
    name: 'chat position of jobs that add a message, for the ordering check (existing jobs filled in)',
    sql: `
    ALTER TABLE jobs ADD COLUMN add_chat TEXT;
    ALTER TABLE jobs ADD COLUMN add_message BIGINT;
    ${addPositionBackfill}
    CREATE INDEX jobs_adds ON jobs (add_chat, add_message) WHERE status = 'pending' AND add_chat IS NOT NULL;
    `,
  },
]

export const schemaVersion = migrations.length

/** Advisory lock key of schema changes (any constant unique to this app: "olb-schema"). */
const MIGRATE_LOCK = 0x6f6c6273

async function currentVersion(client: pg.ClientBase): Promise<number> {
  await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)')
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version')
  return rows[0]?.version ?? 0
}

function tooNew(current: number, where: string): BridgeError {
  return new BridgeError(
    ErrorCodes.STORE_UNAVAILABLE,
    `the Postgres database ${where} has schema version ${current}, newer than this openline-bridge understands (${schemaVersion}); ` +
      'upgrade openline-bridge (a rolling deploy upgrades every instance) or point storage.url at another database',
    { kind: 'config' },
  )
}

/** The steps a database at `current` still needs, numbered from 1. */
export function stepsAfter(current: number): { version: number; name: string; sql: string }[] {
  return migrations.slice(current).map((step, index) => ({ ...step, version: current + index + 1 }))
}

/** What `migrate` would apply, without changing anything. */
export async function pendingMigrations(
  client: pg.ClientBase,
  where: string,
): Promise<{ current: number; steps: { version: number; name: string; sql: string }[] }> {
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('schema_version') IS NOT NULL AS exists",
  )
  let current = 0
  if (rows[0]?.exists === true) {
    const version = await client.query<{ version: number }>('SELECT version FROM schema_version')
    current = version.rows[0]?.version ?? 0
  }
  if (current > schemaVersion) throw tooNew(current, where)
  return { current, steps: stepsAfter(current) }
}

/**
 * Brings the database up to `schemaVersion` in one transaction under an advisory lock: instances
 * that start at once wait for the first one, then find nothing left to do.
 */
export async function migrate(client: pg.ClientBase, where: string): Promise<number[]> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK])
    const current = await currentVersion(client)
    if (current > schemaVersion) throw tooNew(current, where)
    const applied: number[] = []
    for (const step of stepsAfter(current)) {
      await client.query(step.sql)
      applied.push(step.version)
    }
    if (applied.length > 0) {
      await client.query('DELETE FROM schema_version')
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [schemaVersion])
    }
    await client.query('COMMIT')
    return applied
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}
