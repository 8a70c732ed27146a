import type Database from 'better-sqlite3'
import type { DeliveryLogEntry, DeliveryQuery, DeliveryStatus } from '../store.js'

interface LogRow {
  at: number
  portal: string
  message_id: number
  output: string
  action: string
  status: DeliveryStatus
  attempt: number
  detail: string | null
  unverified: number | null
  chat_id: number | null
  received_at: number | null
  ref: string | null
}

export interface DeliveryLog {
  append(entry: DeliveryLogEntry): void
  /** Newest first (by time, then by insertion); default limit 100. */
  list(query: DeliveryQuery): DeliveryLogEntry[]
  /** Deletes up to `limit` of the oldest entries written before `before`; returns how many. */
  trim(before: number, limit: number): number
}

const filters = [
  ['portal', 'portal = @portal'],
  ['messageId', 'message_id = @messageId'],
  ['output', 'output = @output'],
  ['status', 'status = @status'],
  ['chatId', 'chat_id = @chatId'],
  ['since', 'at >= @since'],
  ['until', 'at <= @until'],
] as const

export function deliveryLog(db: Database.Database): DeliveryLog {
  const trimOldest = db.prepare<[number, number]>(
    'DELETE FROM delivery_log WHERE id IN (SELECT id FROM delivery_log WHERE at < ? ORDER BY at LIMIT ?)',
  )
  const trimMinutes = db.prepare<[number]>('DELETE FROM event_minutes WHERE minute < ?')
  const insert = db.prepare<[LogRow]>(
    `INSERT INTO delivery_log
       (at, portal, message_id, output, action, status, attempt, detail, unverified, chat_id, received_at, ref)
     VALUES (@at, @portal, @message_id, @output, @action, @status, @attempt, @detail, @unverified,
       @chat_id, @received_at, @ref)`,
  )
  // One prepared statement per combination of filters used, built on first use.
  const queries = new Map<string, Database.Statement<[Record<string, unknown>], LogRow>>()
  const queryFor = (query: DeliveryQuery) => {
    const used = filters.filter(([field]) => query[field] !== undefined)
    const id = used.map(([field]) => field).join(',')
    let statement = queries.get(id)
    if (statement === undefined) {
      const where = used.length === 0 ? '' : `WHERE ${used.map(([, sql]) => sql).join(' AND ')}`
      statement = db.prepare(`SELECT * FROM delivery_log ${where} ORDER BY at DESC, id DESC LIMIT @limit`)
      queries.set(id, statement)
    }
    return statement
  }
  const trim = (before: number, limit: number): number => {
    trimMinutes.run(before)
    return trimOldest.run(before, limit).changes
  }
  return {
    trim,
    append(entry) {
      insert.run({
        at: entry.at,
        portal: entry.portal,
        message_id: entry.messageId,
        output: entry.output,
        action: entry.action,
        status: entry.status,
        attempt: entry.attempt,
        detail: entry.detail ?? null,
        unverified: entry.unverified === undefined ? null : Number(entry.unverified),
        chat_id: entry.chatId ?? null,
        received_at: entry.receivedAt ?? null,
        ref: entry.ref ?? null,
      })
    },
    list(query) {
      const params: Record<string, unknown> = { limit: Math.max(0, Math.trunc(query.limit ?? 100)) }
      for (const [field] of filters) if (query[field] !== undefined) params[field] = query[field]
      return queryFor(query).all(params).map(rowToEntry)
    },
  }
}

function rowToEntry(row: LogRow): DeliveryLogEntry {
  const entry: DeliveryLogEntry = {
    at: row.at,
    portal: row.portal,
    messageId: row.message_id,
    output: row.output,
    action: row.action,
    status: row.status,
    attempt: row.attempt,
  }
  if (row.detail !== null) entry.detail = row.detail
  if (row.unverified !== null) entry.unverified = row.unverified === 1
  if (row.chat_id !== null) entry.chatId = row.chat_id
  if (row.received_at !== null) entry.receivedAt = row.received_at
  if (row.ref !== null) entry.ref = row.ref
  return entry
}
