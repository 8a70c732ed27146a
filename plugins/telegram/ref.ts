import type { ExternalRef } from '../../src/plugins/api.js'
import { OutputError } from '../../src/plugins/api.js'

/** Where a mirror lives: the chat, and one message id per part (in order) when it was split. */
export interface TelegramRef {
  chatId: string | number
  messageIds: number[]
  /** The chat's forum topic (`threads: topics`). */
  topicId?: number
  /** The chat's header message the parts reply to (`threads: replies`). */
  replyTo?: number
}

/** What the output saves per Bitrix24 chat: its topic and/or header message, and the topic's name. */
export interface TelegramThreadRef {
  headerId: number
  topicId?: number
  name?: string
}

export function readThreadRef(ref: ExternalRef): TelegramThreadRef | undefined {
  const r = ref as Partial<TelegramThreadRef> | null | undefined
  if (!Number.isInteger(r?.headerId)) return undefined
  const thread: TelegramThreadRef = { headerId: r!.headerId! }
  if (Number.isInteger(r?.topicId)) thread.topicId = r!.topicId!
  if (typeof r?.name === 'string') thread.name = r.name
  return thread
}

/** The stored ref, checked; a ref this plugin did not write means the mirror cannot be found. */
export function readRef(ref: ExternalRef, output: string): TelegramRef {
  const r = ref as Partial<TelegramRef> | null
  const chatOk = typeof r?.chatId === 'string' || typeof r?.chatId === 'number'
  const idsOk =
    Array.isArray(r?.messageIds) &&
    r.messageIds.length > 0 &&
    r.messageIds.every((id) => Number.isInteger(id))
  if (!chatOk || !idsOk) {
    throw new OutputError(
      'gone',
      `output ${output}: stored ref ${JSON.stringify(ref)} is not a Telegram message ref`,
    )
  }
  const read: TelegramRef = { chatId: r!.chatId!, messageIds: [...r!.messageIds!] }
  if (Number.isInteger(r?.topicId)) read.topicId = r!.topicId!
  if (Number.isInteger(r?.replyTo)) read.replyTo = r!.replyTo!
  return read
}
