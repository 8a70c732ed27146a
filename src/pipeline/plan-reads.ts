import { maxBatchCommands } from '../bitrix/batch.js'
import type { MessageRef } from '../bitrix/types.js'
import type { NormalizedEvent } from '../model.js'
import type { ChatTable } from './resolve-conversations.js'

export interface ReadPlan<J> {
  /** Jobs read now, and their refs in the same order. */
  read: J[]
  refs: MessageRef[]
  /** Jobs left for the next claim: they would only have filled a last, partial batch. */
  handBack: J[]
}

/** The ref of one event: the chat's details ride along on the first read of a chat not yet stored. */
function refOf(event: NormalizedEvent, chats: ChatTable, asked: Set<number>): MessageRef {
  const ref: MessageRef = { chatId: event.chatId, messageId: event.messageId }
  const chat = chats.get(event.chatId)
  // The chat's session as last read (entity_data_1 or a message's IMOL_SID): a message the
  // reader cannot see is looked up in that session's history.
  if (chat?.sessionId !== undefined) ref.sessionId = chat.sessionId
  if (chat === undefined && !asked.has(event.chatId)) {
    ref.withChat = true
    asked.add(event.chatId)
  }
  if (event.textHint !== undefined) ref.textHint = event.textHint
  if (event.userToken !== undefined) ref.userToken = event.userToken
  return ref
}

/**
 * The refs of one portal's read. Each ref costs one batch command, plus one for a chat read
 * (`imopenlines.dialog.get`). When more work is waiting (`packFull`: the claim was full), the read
 * stops at the last whole batch of `batchSize` commands and hands the rest back: 200 messages of
 * 20 new chats are 220 commands, five requests with the last one a fifth full, while 4 × 50 carry
 * 200 of them and the other 20 ride in the next claim's batches. When nothing else waits, or not
 * even one batch would be full, everything is read now, so latency at low load is unchanged.
 */
export function planReads<J extends { payload: { event: NormalizedEvent } }>(
  jobs: readonly J[],
  chats: ChatTable,
  options: { batchSize: number; packFull: boolean },
): ReadPlan<J> {
  const asked = new Set<number>()
  const refs = jobs.map((job) => refOf(job.payload.event, chats, asked))
  const cost = (ref: MessageRef) => (ref.withChat === true ? 2 : 1)
  const total = refs.reduce((sum, ref) => sum + cost(ref), 0)
  const size = Math.max(1, Math.min(options.batchSize, maxBatchCommands))
  const whole = Math.floor(total / size) * size
  if (!options.packFull || whole === 0 || whole === total) return { read: [...jobs], refs, handBack: [] }
  let used = 0
  let keep = 0
  for (const ref of refs) {
    if (used + cost(ref) > whole) break
    used += cost(ref)
    keep += 1
  }
  // One command short because the next ref also reads its chat: swap the last single-command ref
  // for it (that job is then first in the next claim; a chat's order is kept by the deliver stage).
  const swap = used === whole - 1 ? refs.slice(0, keep).findLastIndex((ref) => cost(ref) === 1) : -1
  if (swap === -1) return { read: jobs.slice(0, keep), refs: refs.slice(0, keep), handBack: jobs.slice(keep) }
  const take = Array.from({ length: keep + 1 }, (_, i) => i).filter((i) => i !== swap)
  return {
    read: take.map((i) => jobs[i] as J),
    refs: take.map((i) => refs[i] as MessageRef),
    handBack: [jobs[swap] as J, ...jobs.slice(keep + 1)],
  }
}
