import { BridgeError, ErrorCodes } from '../errors.js'
import { stripOperatorSignature } from '../render/strip-signature.js'
import { type BatchCommand, type BatchItem, maxBatchCommands } from './batch.js'
import { BitrixError } from './errors.js'
import { chatFromDialogReply } from './parse-chat.js'
import { messageFromDialogReply, messageFromHistoryReply, type NotRead } from './parse-message.js'
import { type PublicLinkFailure, readPublicLinks, withPublicLinks } from './public-links.js'
import type { BitrixChat, BitrixMessage, MessageRef, ReadResult, ReadSource } from './types.js'

export interface ReadMessagesDeps {
  /** Runs one batch (≤ 50 commands) for this portal; throws BitrixError when the request itself fails. */
  batch(commands: readonly BatchCommand[]): Promise<Map<string, BatchItem>>
  /** Portal domain, for messages. */
  portal: string
  /** Commands per batch request (`pipeline.batchSize`); at most 50, the Bitrix24 limit. */
  batchSize?: number
  now(): number
  /**
   * `bitrix.files: public-link`: also read a public link for each file of the messages read
   * (`disk.file.getExternalLink`, one batch after the read); a failure only reaches this callback.
   */
  publicLinks?: (failure: PublicLinkFailure) => void
}

const cannotSee = new Set(['ACCESS_ERROR', 'ACCESS_DENIED', 'authorization_error'])

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Runs commands in batches (≤ 50); a failed batch request becomes that error for each of its keys. */
async function runAll(commands: BatchCommand[], deps: ReadMessagesDeps): Promise<Map<string, BatchItem>> {
  const merged = new Map<string, BatchItem>()
  const size = Math.max(1, Math.min(deps.batchSize ?? maxBatchCommands, maxBatchCommands))
  const runs = chunks(commands, size).map(async (chunk) => {
    try {
      for (const [key, item] of await deps.batch(chunk)) merged.set(key, item)
    } catch (err) {
      if (!(err instanceof BitrixError)) throw err
      for (const command of chunk) merged.set(command.key, { ok: false, error: err })
    }
  })
  await Promise.all(runs)
  return merged
}

function noReadAccess(ref: MessageRef, portal: string, cause: BitrixError): BitrixError {
  return new BitrixError(
    ErrorCodes.BITRIX_NO_READ_ACCESS,
    `cannot read message ${ref.messageId} on portal ${portal}: the webhook user is not a member of chat ${ref.chatId} and has no open-line history access (${cause.bitrixCode}); add the user to the line's queue or grant 'imopenlines' history rights`,
    { bitrixCode: cause.bitrixCode, retryable: false, cause },
  )
}

/** A ref no read could see yet: `unreadable` (not in the reply) or `no-access` (both reads refused). */
interface Unseen {
  ref: MessageRef
  reason: string
  denied?: BitrixError
  /** Already asked by SESSION_ID. */
  bySession: boolean
}

type Outcome = ReadResult | Unseen

const isUnseen = (outcome: Outcome): outcome is Unseen => 'ref' in outcome

function fromMessage(
  message: BitrixMessage | NotRead,
  source: ReadSource,
  ref: MessageRef,
  reason: string,
  bySession: boolean,
): Outcome {
  if (message === 'deleted') return { status: 'deleted' }
  if (message === 'unreadable') return { ref, reason, bySession }
  return { status: 'ok', message, source, unverified: false }
}

/**
 * `imopenlines.session.history.get` for refs the dialog read could not serve: one call per chat
 * (latest session) or, with `bySession`, per SESSION_ID.
 */
async function readHistory(
  refs: Map<string, MessageRef>,
  bySession: boolean,
  deps: ReadMessagesDeps,
): Promise<Map<string, Outcome>> {
  const keyOf = (ref: MessageRef) => (bySession ? `s${ref.sessionId}` : `h${ref.chatId}`)
  const calls = new Map<string, Record<string, unknown>>()
  for (const ref of refs.values()) {
    calls.set(keyOf(ref), bySession ? { SESSION_ID: ref.sessionId } : { CHAT_ID: ref.chatId })
  }
  const commands = [...calls].map(([key, params]) => ({
    key,
    method: 'imopenlines.session.history.get',
    params,
  }))
  const replies = commands.length === 0 ? new Map<string, BatchItem>() : await runAll(commands, deps)
  const out = new Map<string, Outcome>()
  const where = bySession ? 'its open-line session' : "the chat's latest open-line session"
  for (const [key, ref] of refs) {
    const item = replies.get(keyOf(ref))
    if (item === undefined) continue
    if (item.ok) {
      const message = messageFromHistoryReply(item.result, ref.messageId, ref.chatId)
      const reason = `message ${ref.messageId} is not in ${where} and chat ${ref.chatId} does not show it to the reader`
      out.set(key, fromMessage(message, 'imopenlines.session.history.get', ref, reason, bySession))
    } else if (cannotSee.has(item.error.bitrixCode) || item.error.bitrixCode === 'insufficient_scope') {
      out.set(key, { ref, reason: 'no read access', denied: item.error, bySession })
    } else {
      out.set(key, { status: 'error', error: item.error })
    }
  }
  return out
}

function fromEventText(ref: MessageRef, text: string, now: number): ReadResult {
  // Neither REST read can see it: the event's own text is all we have. The date is the read time.
  const message = {
    id: ref.messageId,
    chatId: ref.chatId,
    authorId: 0,
    date: new Date(now).toISOString(),
    text: stripOperatorSignature(text),
    files: [],
    params: {},
  }
  return { status: 'ok', message, source: 'event-text', unverified: true }
}

/**
 * Reads messages back: `im.dialog.messages.get` for all (batched by 50), line history for the ones
 * the reader may not see, then the event text (unverified), then line history by SESSION_ID when
 * the ref knows its session (from the stored chat, or the chat read in the same batch). What stays unseen is `unreadable` with the reason (never `deleted`:
 * only IS_DELETED says that), or the access error when no read was allowed at all.
 * Results follow `refs` order. A ref with `withChat` also gets its chat's details
 * (`imopenlines.dialog.get`, read in the same batch request); a chat that cannot be read just
 * comes back without them.
 */
export async function readMessages(
  refs: readonly MessageRef[],
  deps: ReadMessagesDeps,
): Promise<ReadResult[]> {
  const keyOf = new Map<string, string>()
  const unique = new Map<string, MessageRef>()
  for (const ref of refs) {
    const id = `${ref.chatId}:${ref.messageId}`
    if (keyOf.has(id)) continue
    const key = unique.has(`m${ref.messageId}`) ? `m${ref.messageId}_${ref.chatId}` : `m${ref.messageId}`
    keyOf.set(id, key)
    unique.set(key, ref)
  }
  const commands: BatchCommand[] = [...unique].map(([key, ref]) => ({
    key,
    method: 'im.dialog.messages.get',
    params: { DIALOG_ID: `chat${ref.chatId}`, LAST_ID: ref.messageId + 1, LIMIT: 1 },
  }))
  // Chat details ride in the same batch request as the messages (one command per chat, first).
  const chatIds = new Set(refs.filter((ref) => ref.withChat === true).map((ref) => ref.chatId))
  commands.unshift(
    ...[...chatIds].map((chatId) => ({
      key: `d${chatId}`,
      method: 'imopenlines.dialog.get',
      params: { CHAT_ID: chatId },
    })),
  )
  const primary = await runAll(commands, deps)
  const chats = new Map<number, BitrixChat>()
  for (const chatId of chatIds) {
    const item = primary.get(`d${chatId}`)
    const chat = item?.ok === true ? chatFromDialogReply(item.result, chatId) : undefined
    if (chat !== undefined) chats.set(chatId, chat)
  }

  // The chat read in this batch names its current session (the sixth field of entity_data_1):
  // a ref that knows none takes it, so the history reads below can ask by SESSION_ID.
  for (const [key, ref] of unique) {
    const session = ref.sessionId ?? chats.get(ref.chatId)?.sessionId
    if (ref.sessionId === undefined && session !== undefined) unique.set(key, { ...ref, sessionId: session })
  }

  const outcomes = new Map<string, Outcome>()
  const denied = new Map<string, MessageRef>()
  for (const [key, ref] of unique) {
    const item = primary.get(key)
    if (item === undefined) continue
    if (!item.ok) {
      if (cannotSee.has(item.error.bitrixCode)) denied.set(key, ref)
      else outcomes.set(key, { status: 'error', error: item.error })
      continue
    }
    const reason = `chat ${ref.chatId} does not show message ${ref.messageId} to the reader (it joined the chat later, or the message is gone)`
    const message = messageFromDialogReply(item.result, ref.messageId)
    outcomes.set(key, fromMessage(message, 'im.dialog.messages.get', ref, reason, false))
  }
  // Not a member: line history (the chat's latest session, or the ref's own session).
  const bySession = new Map([...denied].filter(([, ref]) => ref.sessionId !== undefined))
  const byChat = new Map([...denied].filter(([, ref]) => ref.sessionId === undefined))
  for (const [key, outcome] of await readHistory(byChat, false, deps)) outcomes.set(key, outcome)
  for (const [key, outcome] of await readHistory(bySession, true, deps)) outcomes.set(key, outcome)

  // Unseen: the event's text when it has one, else the session's history once.
  const retry = new Map<string, MessageRef>()
  for (const [key, outcome] of outcomes) {
    if (!isUnseen(outcome)) continue
    const { ref } = outcome
    if (ref.textHint !== undefined && ref.textHint !== '') {
      outcomes.set(key, fromEventText(ref, ref.textHint, deps.now()))
    } else if (ref.sessionId !== undefined && !outcome.bySession) retry.set(key, ref)
  }
  for (const [key, outcome] of await readHistory(retry, true, deps)) {
    const before = outcomes.get(key)
    // A refused session read keeps the first reason: the dialog read did answer.
    if (isUnseen(outcome) && outcome.denied !== undefined && before !== undefined && isUnseen(before))
      continue
    outcomes.set(key, outcome)
  }

  // Public links for the files of what was read (never the event text's: it has no files).
  const onLinkFailure = deps.publicLinks
  const read = [...outcomes.values()].flatMap((o) => (!isUnseen(o) && o.status === 'ok' ? [o.message] : []))
  const links =
    onLinkFailure === undefined
      ? new Map<number, string>()
      : await readPublicLinks(read, (commands) => runAll(commands, deps), onLinkFailure)

  const final = (outcome: Outcome): ReadResult => {
    if (!isUnseen(outcome)) {
      return outcome.status === 'ok'
        ? { ...outcome, message: withPublicLinks(outcome.message, links) }
        : outcome
    }
    if (outcome.denied !== undefined) {
      return { status: 'error', error: noReadAccess(outcome.ref, deps.portal, outcome.denied) }
    }
    return { status: 'unreadable', reason: outcome.reason }
  }
  return refs.map((ref) => {
    const outcome = outcomes.get(keyOf.get(`${ref.chatId}:${ref.messageId}`) ?? '')
    if (outcome === undefined) {
      throw new BridgeError(ErrorCodes.INTERNAL, 'a message ref got no read result', { kind: 'bug' })
    }
    const result = final(outcome)
    const chat = ref.withChat === true ? chats.get(ref.chatId) : undefined
    return chat !== undefined && result.status === 'ok' ? { ...result, chat } : result
  })
}
