import { BridgeError, ErrorCodes } from '../errors.js'
import { stripOperatorSignature } from '../render/strip-signature.js'
import { type BatchCommand, type BatchItem, maxBatchCommands } from './batch.js'
import { BitrixError } from './errors.js'
import { messageFromDialogReply, messageFromHistoryReply } from './parse-message.js'
import type { MessageRef, ReadResult } from './types.js'

export interface ReadMessagesDeps {
  /** Runs one batch (≤ 50 commands) for this portal; throws BitrixError when the request itself fails. */
  batch(commands: readonly BatchCommand[]): Promise<Map<string, BatchItem>>
  /** Portal domain, for messages. */
  portal: string
  /** Commands per batch request (`pipeline.batchSize`); at most 50, the Bitrix24 limit. */
  batchSize?: number
  now(): number
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
 * Reads messages back: `im.dialog.messages.get` for all (batched by 50), then line history for
 * the ones the webhook user may not see, then the event text. Results follow `refs` order.
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
  const commands = [...unique].map(([key, ref]) => ({
    key,
    method: 'im.dialog.messages.get',
    params: { DIALOG_ID: `chat${ref.chatId}`, LAST_ID: ref.messageId + 1, LIMIT: 1 },
  }))
  const primary = await runAll(commands, deps)

  const results = new Map<string, ReadResult>()
  const fallback = new Map<string, MessageRef>()
  for (const [key, ref] of unique) {
    const item = primary.get(key)
    if (item === undefined) continue
    if (!item.ok) {
      if (cannotSee.has(item.error.bitrixCode)) fallback.set(key, ref)
      else results.set(key, { status: 'error', error: item.error })
      continue
    }
    const message = messageFromDialogReply(item.result, ref.messageId)
    results.set(
      key,
      message === 'deleted'
        ? { status: 'deleted' }
        : { status: 'ok', message, source: 'im.dialog.messages.get', unverified: false },
    )
  }

  // One history call per chat serves every message of that chat.
  const chats = new Set([...fallback.values()].map((ref) => ref.chatId))
  const history = await runAll(
    [...chats].map((chatId) => ({
      key: `h${chatId}`,
      method: 'imopenlines.session.history.get',
      params: { CHAT_ID: chatId },
    })),
    deps,
  )
  for (const [key, ref] of fallback) {
    const item = history.get(`h${ref.chatId}`)
    if (item === undefined) continue
    if (item.ok) {
      const message = messageFromHistoryReply(item.result, ref.messageId, ref.chatId)
      results.set(
        key,
        message === 'deleted'
          ? { status: 'deleted' }
          : { status: 'ok', message, source: 'imopenlines.session.history.get', unverified: false },
      )
    } else if (!cannotSee.has(item.error.bitrixCode) && item.error.bitrixCode !== 'insufficient_scope') {
      results.set(key, { status: 'error', error: item.error })
    } else if (ref.textHint !== undefined && ref.textHint !== '') {
      results.set(key, fromEventText(ref, ref.textHint, deps.now()))
    } else {
      results.set(key, { status: 'error', error: noReadAccess(ref, deps.portal, item.error) })
    }
  }

  return refs.map((ref) => {
    const result = results.get(keyOf.get(`${ref.chatId}:${ref.messageId}`) ?? '')
    if (result === undefined) {
      throw new BridgeError(ErrorCodes.INTERNAL, 'a message ref got no read result', { kind: 'bug' })
    }
    return result
  })
}
