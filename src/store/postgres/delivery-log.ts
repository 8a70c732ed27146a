import type pg from 'pg'
import type { DeliveryLogEntry, DeliveryQuery, DeliveryStatus } from '../store.js'

type Db = Pick<pg.ClientBase, 'query'>

interface LogRow {
  at: number
  portal: string
  message_id: number
  output: string
  action: string
  status: DeliveryStatus
  attempt: number
  detail: string | null
  unverified: boolean | null
  chat_id: number | null
  received_at: number | null
  ref: string | null
}

/** Deletes up to `limit` of the oldest log entries written before `before`, and older minute counts. */
export async function trimHistory(db: Db, before: number, limit: number): Promise<number> {
  await db.query('DELETE FROM event_minutes WHERE minute < $1', [before])
  const { rowCount } = await db.query(
    'DELETE FROM delivery_log WHERE id IN (SELECT id FROM delivery_log WHERE at < $1 ORDER BY at, id LIMIT $2)',
    [before, limit],
  )
  return rowCount ?? 0
}

export async function appendDelivery(db: Db, entry: DeliveryLogEntry): Promise<void> {
  await db.query(
    `INSERT INTO delivery_log
       (at, portal, message_id, output, action, status, attempt, detail, unverified, chat_id, received_at, ref)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      entry.at,
      entry.portal,
      entry.messageId,
      entry.output,
      entry.action,
      entry.status,
      entry.attempt,
      entry.detail ?? null,
      entry.unverified ?? null,
      entry.chatId ?? null,
      entry.receivedAt ?? null,
      entry.ref ?? null,
    ],
  )
}

const filters = [
  ['portal', 'portal = '],
  ['messageId', 'message_id = '],
  ['output', 'output = '],
  ['status', 'status = '],
  ['chatId', 'chat_id = '],
  ['since', 'at >= '],
  ['until', 'at <= '],
] as const

/** Newest first (by time, then by insertion); default limit 100. */
export async function listDeliveries(db: Db, query: DeliveryQuery): Promise<DeliveryLogEntry[]> {
  const params: unknown[] = []
  const where: string[] = []
  for (const [field, column] of filters) {
    if (query[field] === undefined) continue
    params.push(query[field])
    where.push(`${column}$${params.length}`)
  }
  params.push(Math.max(0, Math.trunc(query.limit ?? 100)))
  const { rows } = await db.query<LogRow>(
    `SELECT * FROM delivery_log ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
     ORDER BY at DESC, id DESC LIMIT $${params.length}`,
    params,
  )
  return rows.map((row) => {
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
    if (row.unverified !== null) entry.unverified = row.unverified
    if (row.chat_id !== null) entry.chatId = row.chat_id
    if (row.received_at !== null) entry.receivedAt = row.received_at
    if (row.ref !== null) entry.ref = row.ref
    return entry
  })
}
