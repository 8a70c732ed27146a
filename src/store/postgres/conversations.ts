import type pg from 'pg'
import { serializePayload } from '../sqlite/job-rows.js'

type Db = Pick<pg.ClientBase, 'query'>

/*
 * Conversation refs and the chat details cache (the conversations issue). The shapes are those of
 * its Store additions (ChatRecord, ConversationRecord, ChatPosition), written out here so the
 * Postgres store has them the moment that contract lands.
 */
export interface PgChatRecord {
  portal: string
  chatId: number
  title: string
  customerName?: string
  sessionId?: number
  readAt: number
}

export interface PgConversationRecord {
  output: string
  portal: string
  chatId: number
  ref: unknown
  sessionId?: number
  previousRef?: unknown
  updatedAt: number
}

export interface PgChatPosition {
  portal: string
  chatId: number
  messageId: number
  output: string
  dueBefore?: number
}

interface ChatRow {
  portal: string
  chat_id: number
  title: string
  customer_name: string | null
  session_id: number | null
  read_at: number
}

interface ConversationRow {
  output: string
  portal: string
  chat_id: number
  ref: string
  session_id: number | null
  previous_ref: string | null
  updated_at: number
}

export async function getChat(db: Db, portal: string, chatId: number): Promise<PgChatRecord | undefined> {
  const { rows } = await db.query<ChatRow>('SELECT * FROM chats WHERE portal = $1 AND chat_id = $2', [
    portal,
    chatId,
  ])
  const row = rows[0]
  if (row === undefined) return undefined
  const record: PgChatRecord = {
    portal: row.portal,
    chatId: row.chat_id,
    title: row.title,
    readAt: row.read_at,
  }
  if (row.customer_name !== null) record.customerName = row.customer_name
  if (row.session_id !== null) record.sessionId = row.session_id
  return record
}

export async function saveChat(db: Db, record: PgChatRecord): Promise<void> {
  await db.query(
    `INSERT INTO chats (portal, chat_id, title, customer_name, session_id, read_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (portal, chat_id) DO UPDATE SET title = excluded.title,
       customer_name = excluded.customer_name, session_id = excluded.session_id, read_at = excluded.read_at`,
    [
      record.portal,
      record.chatId,
      record.title,
      record.customerName ?? null,
      record.sessionId ?? null,
      record.readAt,
    ],
  )
}

export async function getConversation(
  db: Db,
  output: string,
  portal: string,
  chatId: number,
): Promise<PgConversationRecord | undefined> {
  const { rows } = await db.query<ConversationRow>(
    'SELECT * FROM conversations WHERE output = $1 AND portal = $2 AND chat_id = $3',
    [output, portal, chatId],
  )
  const row = rows[0]
  if (row === undefined) return undefined
  const record: PgConversationRecord = {
    output: row.output,
    portal: row.portal,
    chatId: row.chat_id,
    ref: JSON.parse(row.ref) as unknown,
    updatedAt: row.updated_at,
  }
  if (row.session_id !== null) record.sessionId = row.session_id
  if (row.previous_ref !== null) record.previousRef = JSON.parse(row.previous_ref) as unknown
  return record
}

export async function saveConversation(db: Db, record: PgConversationRecord): Promise<void> {
  await db.query(
    `INSERT INTO conversations (output, portal, chat_id, ref, session_id, previous_ref, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (output, portal, chat_id) DO UPDATE SET ref = excluded.ref,
       session_id = excluded.session_id, previous_ref = excluded.previous_ref, updated_at = excluded.updated_at`,
    [
      record.output,
      record.portal,
      record.chatId,
      serializePayload(record.ref ?? null),
      record.sessionId ?? null,
      record.previousRef === undefined ? null : serializePayload(record.previousRef),
      record.updatedAt,
    ],
  )
}

/**
 * True while an earlier message of the same chat is still on its way to this output as an add
 * (a pending fetch job of the portal, or a deliver job of this output, of kind `added` with a lower
 * message id). Fetch jobs are grouped by portal, deliver jobs by output.
 */
export async function hasEarlierAdd(db: Db, position: PgChatPosition): Promise<boolean> {
  // Only jobs that add a message have a chat position (order-key.ts), in the partial jobs_adds index.
  const { rows } = await db.query(
    `SELECT 1 FROM jobs
     WHERE add_chat = $1 AND add_message < $2 AND status = 'pending'
       AND ((queue = 'fetch' AND grp = $3) OR (queue = 'deliver' AND grp = $4))
       AND ($5::bigint IS NULL OR run_at <= $5::bigint)
     LIMIT 1`,
    [
      `${position.portal}|${position.chatId}`,
      position.messageId,
      position.portal,
      position.output,
      position.dueBefore ?? null,
    ],
  )
  return rows.length > 0
}
