import type { BitrixChat } from './types.js'

type Json = Record<string, unknown>

/** Longest title kept: a portal's chat name is hostile input shown in thread headers. */
export const maxTitleLength = 200

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

function clean(value: unknown): string {
  if (typeof value !== 'string') return ''
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const flat = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
  return flat.length > maxTitleLength ? `${flat.slice(0, maxTitleLength - 1)}…` : flat
}

/**
 * `imopenlines.dialog.get` (same shape as `im.dialog.get`): `name` is the chat title, which
 * Bitrix24 builds as `<customer> - <line name>`; `entity_id` is
 * `<connector>|<line>|<connector chat>|<connector user>`; the sixth field of `entity_data_1` is
 * the open-line session id (b24restdocs, imopenlines-session-history-get.md). Anything missing or
 * malformed is left out rather than guessed.
 */
export function chatFromDialogReply(result: unknown, chatId: number): BitrixChat | undefined {
  const reply = record(result)
  if (positiveInt(reply.id) !== chatId) return undefined
  const chat: BitrixChat = { chatId, title: clean(reply.name) || `Chat ${chatId}` }
  const dash = chat.title.lastIndexOf(' - ')
  const customer = dash > 0 ? chat.title.slice(0, dash).trim() : ''
  if (customer !== '') chat.customerName = customer
  const entity = typeof reply.entity_id === 'string' ? reply.entity_id.split('|') : []
  if (reply.entity_type === 'LINES' && entity.length >= 2) {
    const connector = clean(entity[0]).slice(0, 64)
    const line = positiveInt(entity[1])
    if (connector !== '') chat.connector = connector
    if (line !== undefined) chat.line = line
  }
  const sessionId = positiveInt(
    typeof reply.entity_data_1 === 'string' ? reply.entity_data_1.split('|')[5] : undefined,
  )
  if (sessionId !== undefined) chat.sessionId = sessionId
  return chat
}

/** `params.IMOL_SID` of an open-line message: the session it was written in (Bitrix24 imopenlines). */
export function sessionOfMessage(params: Record<string, unknown>): number | undefined {
  const value = params.IMOL_SID
  return positiveInt(Array.isArray(value) ? value[0] : value)
}
