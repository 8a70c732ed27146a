import type { MirrorFile } from '../model.js'
import type { BitrixMessage } from './types.js'

type Json = Record<string, unknown>

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}

/** Lists and PHP's keyed maps (`{"331": {...}}`) alike. */
function entries(value: unknown): Json[] {
  if (Array.isArray(value)) return value.map(record)
  return Object.values(record(value)).map(record)
}

function num(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value)
  return Number.isFinite(n) ? n : 0
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)
}

function isDeletedFlag(params: Json): boolean {
  const flag = params.IS_DELETED
  return flag === 'Y' || flag === true
}

/** A byte count as Bitrix24 sends it (`size`, an int; 0 while uploading): undefined when not a size. */
function sizeOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/**
 * `files[]` (a list, or a map keyed by id in line history): `{id, name, size, type, urlShow,
 * urlDownload, status…}`. The URLs open only for a logged-in Bitrix24 user and are '' while the
 * file is uploading (status `upload`). Only the message's own files (`params.FILE_ID`) are kept.
 */
function filesOf(params: Json, files: unknown): MirrorFile[] {
  const wanted = Array.isArray(params.FILE_ID) ? new Set(params.FILE_ID.map(num)) : undefined
  const out: MirrorFile[] = []
  for (const file of entries(files)) {
    const id = num(file.id)
    if (wanted !== undefined && !wanted.has(id)) continue
    const url = str(file.urlShow) || str(file.urlDownload)
    const entry: MirrorFile = { id, name: str(file.name) || `file ${id}`, url }
    const size = sizeOf(file.size)
    if (size !== undefined) entry.size = size
    out.push(entry)
  }
  return out
}

function authorName(users: unknown, authorId: number): string | undefined {
  const user = entries(users).find((candidate) => num(candidate.id) === authorId)
  const name = user === undefined ? '' : str(user.name)
  return name === '' ? undefined : name
}

function build(fields: Omit<BitrixMessage, 'authorName'>, name: string | undefined): BitrixMessage {
  return name === undefined ? fields : { ...fields, authorName: name }
}

/** `deleted`: Bitrix24 flagged it (IS_DELETED). `unreadable`: not in the reply, which proves nothing. */
export type NotRead = 'deleted' | 'unreadable'

/**
 * `im.dialog.messages.get` with `LAST_ID = id + 1, LIMIT = 1` returns the newest message older than
 * LAST_ID the reader may see. It is ours only if the ids match; anything else is `unreadable` (the
 * reader joined after it, or the row is gone), never `deleted`, and the older message must never be
 * mirrored in its place (BITRIX24.md §3). Only `params.IS_DELETED = 'Y'` means deleted.
 */
export function messageFromDialogReply(result: unknown, messageId: number): BitrixMessage | NotRead {
  const reply = record(result)
  const first = Array.isArray(reply.messages) ? record(reply.messages[0]) : {}
  if (num(first.id) !== messageId) return 'unreadable'
  const params = record(first.params)
  if (isDeletedFlag(params)) return 'deleted'
  const authorId = num(first.author_id)
  const fields = {
    id: messageId,
    chatId: num(first.chat_id ?? reply.chat_id),
    authorId,
    date: str(first.date),
    text: str(first.text),
    files: filesOf(params, reply.files),
    params,
  }
  return build(fields, authorName(reply.users, authorId))
}

/**
 * `imopenlines.session.history.get`: `message` is a map keyed by id, `users` a map too. It holds
 * ONE session (the latest, when asked by `CHAT_ID`): a missing id is `unreadable`, not deleted.
 */
export function messageFromHistoryReply(
  result: unknown,
  messageId: number,
  chatId: number,
): BitrixMessage | NotRead {
  const reply = record(result)
  const found = entries(reply.message).find((candidate) => num(candidate.id) === messageId)
  if (found === undefined) return 'unreadable'
  const params = record(found.params)
  if (isDeletedFlag(params)) return 'deleted'
  const authorId = num(found.senderid ?? found.author_id)
  const fields = {
    id: messageId,
    chatId: num(found.chatid ?? reply.chatId) || chatId,
    authorId,
    date: str(found.date),
    text: str(found.text),
    files: filesOf(params, reply.files),
    params,
  }
  return build(fields, authorName(reply.users, authorId))
}
