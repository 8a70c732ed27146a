import type { ExternalRef } from '../../src/plugins/api.js'
import { OutputError } from '../../src/plugins/api.js'

/** Where a mirror lives: the chat, and one message id per part (in order) when it was split. */
export interface TelegramRef {
  chatId: string | number
  messageIds: number[]
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
  return { chatId: r!.chatId!, messageIds: [...r!.messageIds!] }
}
