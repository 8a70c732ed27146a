import type Database from 'better-sqlite3'
import type { ChatPosition, ChatRecord, ConversationRecord } from '../store.js'
import { serializePayload } from './job-rows.js'

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

export interface Conversations {
  getChat(portal: string, chatId: number): ChatRecord | undefined
  saveChat(record: ChatRecord): void
  get(output: string, portal: string, chatId: number): ConversationRecord | undefined
  save(record: ConversationRecord): void
  hasEarlierAdd(position: ChatPosition): boolean
}

/** Chat details cache, threads per (output, portal, chat), and the ordering check over pending jobs. */
export function conversations(db: Database.Database): Conversations {
  const selectChat = db.prepare<[string, number], ChatRow>(
    'SELECT * FROM chats WHERE portal = ? AND chat_id = ?',
  )
  const upsertChat = db.prepare<[ChatRow]>(
    `INSERT INTO chats (portal, chat_id, title, customer_name, session_id, read_at)
     VALUES (@portal, @chat_id, @title, @customer_name, @session_id, @read_at)
     ON CONFLICT (portal, chat_id) DO UPDATE SET title = excluded.title,
       customer_name = excluded.customer_name, session_id = excluded.session_id, read_at = excluded.read_at`,
  )
  const select = db.prepare<[string, string, number], ConversationRow>(
    'SELECT * FROM conversations WHERE output = ? AND portal = ? AND chat_id = ?',
  )
  const upsert = db.prepare<[ConversationRow]>(
    `INSERT INTO conversations (output, portal, chat_id, ref, session_id, previous_ref, updated_at)
     VALUES (@output, @portal, @chat_id, @ref, @session_id, @previous_ref, @updated_at)
     ON CONFLICT (output, portal, chat_id) DO UPDATE SET ref = excluded.ref,
       session_id = excluded.session_id, previous_ref = excluded.previous_ref, updated_at = excluded.updated_at`,
  )
  // Only jobs that add a message have a chat position (order-key.ts), in the partial jobs_adds
  // index: the check reads the earlier adds of one chat, whatever the backlog. Fetch jobs are
  // grouped by portal, deliver jobs by output.
  const earlier = db.prepare<{
    chat: string
    messageId: number
    portal: string
    output: string
    dueBefore: number | null
  }>(
    `SELECT 1 FROM jobs
     WHERE add_chat = @chat AND add_message < @messageId AND status = 'pending'
       AND ((queue = 'fetch' AND grp = @portal) OR (queue = 'deliver' AND grp = @output))
       AND (@dueBefore IS NULL OR run_at <= @dueBefore)
     LIMIT 1`,
  )
  return {
    getChat(portal, chatId) {
      const row = selectChat.get(portal, chatId)
      if (row === undefined) return undefined
      const record: ChatRecord = {
        portal: row.portal,
        chatId: row.chat_id,
        title: row.title,
        readAt: row.read_at,
      }
      if (row.customer_name !== null) record.customerName = row.customer_name
      if (row.session_id !== null) record.sessionId = row.session_id
      return record
    },
    saveChat(record) {
      upsertChat.run({
        portal: record.portal,
        chat_id: record.chatId,
        title: record.title,
        customer_name: record.customerName ?? null,
        session_id: record.sessionId ?? null,
        read_at: record.readAt,
      })
    },
    get(output, portal, chatId) {
      const row = select.get(output, portal, chatId)
      if (row === undefined) return undefined
      const record: ConversationRecord = {
        output: row.output,
        portal: row.portal,
        chatId: row.chat_id,
        ref: JSON.parse(row.ref) as unknown,
        updatedAt: row.updated_at,
      }
      if (row.session_id !== null) record.sessionId = row.session_id
      if (row.previous_ref !== null) record.previousRef = JSON.parse(row.previous_ref) as unknown
      return record
    },
    save(record) {
      upsert.run({
        output: record.output,
        portal: record.portal,
        chat_id: record.chatId,
        ref: serializePayload(record.ref ?? null),
        session_id: record.sessionId ?? null,
        previous_ref: record.previousRef === undefined ? null : serializePayload(record.previousRef),
        updated_at: record.updatedAt,
      })
    },
    hasEarlierAdd: (position) =>
      earlier.get({
        chat: `${position.portal}|${position.chatId}`,
        messageId: position.messageId,
        portal: position.portal,
        output: position.output,
        dueBefore: position.dueBefore ?? null,
      }) !== undefined,
  }
}
