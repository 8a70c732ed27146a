import type Database from 'better-sqlite3'
import { BridgeError, ErrorCodes } from '../../errors.js'

/**
 * Ordered, append-only list of schema steps. A released step is never edited: add a new one.
 * `jobs.id` is AUTOINCREMENT so an id is never reused; a stale worker holding an old id can
 * therefore never touch a newer job (see `lease_token` in job-lease.ts).
 */
const migrations: readonly string[] = [
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    key TEXT NOT NULL,
    grp TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    lease_until INTEGER,
    lease_token INTEGER,
    last_error TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
    dead_at INTEGER,
    reason TEXT
  );
  CREATE INDEX jobs_claim ON jobs (queue, status, run_at, id);
  CREATE INDEX jobs_key ON jobs (queue, key, status);
  CREATE INDEX jobs_dead ON jobs (status, dead_at) WHERE status = 'dead';

  CREATE TABLE mirrors (
    portal TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    output TEXT NOT NULL,
    ref TEXT NOT NULL,
    hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (portal, message_id, output)
  ) WITHOUT ROWID;

  CREATE TABLE delivery_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    portal TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    output TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    detail TEXT,
    unverified INTEGER
  );
  CREATE INDEX delivery_log_at ON delivery_log (at);
  CREATE INDEX delivery_log_message ON delivery_log (portal, message_id, at);
  `,
  // 2: installed portals (OAuth mode). Token columns hold `enc:v1:…` when storage.encryptionKey is set.
  `
  CREATE TABLE portals (
    member_id TEXT PRIMARY KEY,
    domain TEXT NOT NULL,
    client_endpoint TEXT NOT NULL,
    server_endpoint TEXT NOT NULL,
    application_token TEXT NOT NULL,
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    scope TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'needs-reinstall')),
    status_reason TEXT,
    offline_process_id TEXT,
    installed_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX jobs_group ON jobs (queue, grp, status);
  `,
  // 3: what outputs learn while running (a Telegram chat that moved), kept across restarts.
  `
  CREATE TABLE output_state (
    output TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (output, key)
  ) WITHOUT ROWID;
  `,
  // 4: groups take turns in claims, and the per-portal cap counts a group's jobs: both read this.
  `
  CREATE INDEX jobs_pending_group ON jobs (queue, grp, run_at, id) WHERE status = 'pending';
  `,
  // 5: conversations: cached chat details, and each output's thread per chat.
  `
  CREATE TABLE chats (
    portal TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    customer_name TEXT,
    session_id INTEGER,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (portal, chat_id)
  ) WITHOUT ROWID;
  CREATE TABLE conversations (
    output TEXT NOT NULL,
    portal TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    ref TEXT NOT NULL,
    session_id INTEGER,
    previous_ref TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (output, portal, chat_id)
  ) WITHOUT ROWID;
  `,
  // 6: the status console: chat, event time and external ref per log entry; events per minute.
  `
  ALTER TABLE delivery_log ADD COLUMN chat_id INTEGER;
  ALTER TABLE delivery_log ADD COLUMN received_at INTEGER;
  ALTER TABLE delivery_log ADD COLUMN ref TEXT;
  CREATE TABLE event_minutes (minute INTEGER PRIMARY KEY, events INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // 7: the chat position of jobs that add a message, so the ordering check (hasEarlierAdd) reads
  // an index of one chat instead of parsing every pending payload; existing jobs are filled in.
  `
  ALTER TABLE jobs ADD COLUMN add_chat TEXT;
  ALTER TABLE jobs ADD COLUMN add_message INTEGER;
  UPDATE jobs SET add_chat = json_extract(payload, '$.portal') || '|' || json_extract(payload, '$.event.chatId'),
    add_message = json_extract(payload, '$.event.messageId')
    WHERE queue = 'fetch' AND json_extract(payload, '$.event.kind') = 'added';
  UPDATE jobs SET add_chat = json_extract(payload, '$.portal') || '|' || json_extract(payload, '$.message.chatId'),
    add_message = json_extract(payload, '$.message.messageId')
    WHERE queue = 'deliver' AND json_extract(payload, '$.message.kind') = 'added';
  CREATE INDEX jobs_adds ON jobs (add_chat, add_message) WHERE status = 'pending' AND add_chat IS NOT NULL;
  `,
]

export const schemaVersion = migrations.length

/** Brings the file up to `schemaVersion` in one immediate transaction (safe if two processes start). */
export function migrate(db: Database.Database, path: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)')
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined
    const current = row?.version ?? 0
    if (current > schemaVersion) {
      throw new BridgeError(
        ErrorCodes.STORE_UNAVAILABLE,
        `${path} has schema version ${current}, newer than this openline-bridge understands (${schemaVersion}); ` +
          'upgrade openline-bridge or point storage.path at another file',
        { kind: 'config' },
      )
    }
    for (let version = current; version < schemaVersion; version++) db.exec(migrations[version] ?? '')
    if (row === undefined) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(schemaVersion)
    else db.prepare('UPDATE schema_version SET version = ?').run(schemaVersion)
  })
  apply.immediate()
}
