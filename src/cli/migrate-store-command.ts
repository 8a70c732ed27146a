import { resolve } from 'node:path'
import Database from 'better-sqlite3'
import { BridgeError, ErrorCodes } from '../errors.js'
import { createClient, redactUrl } from '../store/postgres/connection.js'
import { portalColumns } from '../store/postgres/portals.js'
import { addPositionBackfill, migrate } from '../store/postgres/schema.js'
import type { CliIo } from './bind-command.js'

export interface MigrateStoreOptions {
  /** `sqlite:<path>` */
  from: string
  /** `postgres:<url>` or the URL itself (`postgres://…`) */
  to: string
}

const tables = {
  portals: portalColumns,
  mirrors: ['portal', 'message_id', 'output', 'ref', 'hash', 'version', 'text', 'updated_at'],
  output_state: ['output', 'key', 'value', 'updated_at'],
  chats: ['portal', 'chat_id', 'title', 'customer_name', 'session_id', 'read_at'],
  conversations: ['output', 'portal', 'chat_id', 'ref', 'session_id', 'previous_ref', 'updated_at'],
  jobs: [
    'queue',
    'key',
    'grp',
    'payload',
    'attempts',
    'created_at',
    'run_at',
    'last_error',
    'status',
    'dead_at',
    'reason',
  ],
} as const

function usage(message: string): BridgeError {
  return new BridgeError(
    ErrorCodes.CONFIG_INVALID,
    `${message}; e.g. --from sqlite:./data/bridge.db --to postgres://bridge:secret@db:5432/bridge`,
    {
      kind: 'config',
    },
  )
}

/**
 * `openline-bridge migrate-store --from sqlite:… --to postgres:…`: copies installed portals (token
 * columns as stored: sealed values stay sealed, so the same storage.encryptionKey opens them),
 * the mirror map, output state, pending jobs (leases dropped: nothing runs while the bridge is stopped) and dead
 * letters into an empty Postgres database, in one transaction. The delivery log is not copied.
 * Stop the bridge first; the SQLite file is only read.
 */
export async function migrateStoreCommand(options: MigrateStoreOptions, io: CliIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout
  if (!options.from.startsWith('sqlite:')) throw usage('--from must be sqlite:<path of the bridge database>')
  const url = options.to.replace(/^postgres:(?=postgres(ql)?:\/\/)/, '')
  if (!/^postgres(ql)?:\/\//.test(url)) throw usage('--to must be postgres:<connection URL>')
  const path = resolve(io.cwd ?? process.cwd(), options.from.slice('sqlite:'.length))
  const source = new Database(path, { readonly: true, fileMustExist: true })
  const client = createClient({ url, applicationName: 'openline-bridge migrate-store' })
  await client.connect()
  try {
    const where = redactUrl(url)
    await migrate(client, where)
    await client.query('BEGIN')
    const { rows } = await client.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM portals) + (SELECT count(*) FROM mirrors) + (SELECT count(*) FROM jobs)
         + (SELECT count(*) FROM output_state) AS n`,
    )
    if (Number(rows[0]?.n ?? 0) > 0) {
      throw new BridgeError(
        ErrorCodes.CONFIG_INVALID,
        `${where} already holds portals, mirrors or jobs; migrate-store copies into an empty database only (create a new one, or drop its tables)`,
        { kind: 'config' },
      )
    }
    const counts: Record<string, number> = {}
    const present = new Set(
      (source.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (t) => t.name,
      ),
    )
    for (const [table, columns] of Object.entries(tables)) {
      // A store written before a table existed simply has nothing of it to copy.
      if (!present.has(table)) continue
      const order = table === 'jobs' ? ' ORDER BY id' : ''
      const select = source.prepare(`SELECT ${columns.join(', ')} FROM ${table}${order}`)
      const insert = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`
      let copied = 0
      for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
        await client.query(
          insert,
          columns.map((c) => row[c] ?? null),
        )
        copied++
      }
      counts[table] = copied
    }
    // Jobs from a store older than its schema 7 carry no chat position: fill it in from the payload.
    await client.query(addPositionBackfill)
    await client.query('COMMIT')
    const jobs = source
      .prepare("SELECT SUM(status = 'pending') AS pending, SUM(status = 'dead') AS dead FROM jobs")
      .get() as { pending: number | null; dead: number | null }
    stdout.write(
      `copied from ${path} to ${where}: ${counts.portals} portal(s), ${counts.mirrors} mirror(s), ` +
        `${jobs.pending ?? 0} pending job(s), ${jobs.dead ?? 0} dead letter(s)\n` +
        'set storage.driver: postgres and storage.url (keep storage.encryptionKey), then start the bridge\n',
    )
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    source.close()
    await client.end()
  }
}
