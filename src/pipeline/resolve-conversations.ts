import type { Logger } from 'pino'
import { chatFromDialogReply, sessionOfMessage } from '../bitrix/parse-chat.js'
import type { BitrixChat, BitrixClient, PortalRecord, ReadResult } from '../bitrix/types.js'
import { errorMessage } from '../errors.js'
import type { MirrorConversation, NormalizedEvent } from '../model.js'
import type { ChatRecord, Store } from '../store/store.js'

export interface ConversationDeps {
  store: Store
  bitrix: BitrixClient
  logger: Logger
  now: () => number
}

/** Chat details known for one claim of one portal, by chat id. */
export type ChatTable = Map<number, ChatRecord | undefined>

function toRecord(portal: string, chat: BitrixChat, now: number): ChatRecord {
  const record: ChatRecord = { portal, chatId: chat.chatId, title: chat.title, readAt: now }
  if (chat.customerName !== undefined) record.customerName = chat.customerName
  if (chat.sessionId !== undefined) record.sessionId = chat.sessionId
  return record
}

/**
 * Chat details for the conversation every message carries. They are read once per chat, in the
 * same batch as the messages (`withChat` on the first read of a chat), kept in the store, and read
 * again when a message names a newer open-line session (`params.IMOL_SID`) than the cached one.
 */
export function createConversationResolver(deps: ConversationDeps) {
  const { store } = deps
  const log = deps.logger.child({ component: 'conversations' })

  /** The cached details of each chat the events name (undefined: read them with the messages). */
  async function cached(portal: string, chatIds: Iterable<number>): Promise<ChatTable> {
    const table: ChatTable = new Map()
    for (const chatId of chatIds) {
      if (!table.has(chatId)) table.set(chatId, await store.getChat(portal, chatId))
    }
    return table
  }

  async function reread(portal: PortalRecord, chatId: number): Promise<BitrixChat | undefined> {
    try {
      return chatFromDialogReply(
        await deps.bitrix.call(portal, 'imopenlines.dialog.get', { CHAT_ID: chatId }),
        chatId,
      )
    } catch (err) {
      log.warn(
        { portal: portal.id, chatId, err: errorMessage(err) },
        'could not read the chat details of a new session; the thread keeps the old title',
      )
      return undefined
    }
  }

  /** Stores what the batch read, and re-reads a chat whose messages name a newer session. */
  async function afterRead(portal: PortalRecord, table: ChatTable, results: readonly ReadResult[]) {
    const newest = new Map<number, number>()
    for (const result of results) {
      if (result.status !== 'ok') continue
      const chatId = result.message.chatId
      if (result.chat !== undefined) {
        const record = toRecord(portal.id, result.chat, deps.now())
        table.set(chatId, record)
        await store.saveChat(record)
      }
      const session = sessionOfMessage(result.message.params)
      if (session !== undefined && session > (newest.get(chatId) ?? 0)) newest.set(chatId, session)
    }
    for (const [chatId, session] of newest) {
      const known = table.get(chatId)
      if (known?.sessionId === undefined || session <= known.sessionId) continue
      log.info(
        { portal: portal.id, chatId, sessionId: session },
        'new open-line session; re-reading the chat',
      )
      const fresh = await reread(portal, chatId)
      const record = fresh
        ? toRecord(portal.id, { ...fresh, sessionId: Math.max(fresh.sessionId ?? 0, session) }, deps.now())
        : { ...known, sessionId: session, readAt: deps.now() }
      table.set(chatId, record)
      await store.saveChat(record)
    }
  }

  /** The conversation of one message: the event's routing facts plus what is known of the chat. */
  function conversationOf(
    portal: string,
    event: NormalizedEvent,
    chat: ChatRecord | undefined,
    params?: Record<string, unknown>,
  ): MirrorConversation {
    const conversation: MirrorConversation = {
      portal,
      chatId: event.chatId,
      connector: event.connector,
      line: event.line,
      title: chat?.title ?? `Chat ${event.chatId}`,
      url: `https://${event.domain}/online/?IM_DIALOG=chat${event.chatId}`,
    }
    const sessionId = (params && sessionOfMessage(params)) ?? chat?.sessionId
    if (sessionId !== undefined) conversation.sessionId = sessionId
    if (chat?.customerName !== undefined) conversation.customerName = chat.customerName
    return conversation
  }

  return { cached, afterRead, conversationOf }
}

export type ConversationResolver = ReturnType<typeof createConversationResolver>
