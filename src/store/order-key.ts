import type { QueueName } from './store.js'

/** Where a pending job that adds a message sits in its chat: what `hasEarlierAdd` looks up. */
export interface AddPosition {
  /** `portal|chatId`: one chat of one portal. */
  chat: string
  messageId: number
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined

/**
 * The chat position of a job that adds a message (a fetch job of an `added` event, or a deliver
 * job of an `added` message); undefined for every other job. Both stores keep it in indexed
 * columns when they write a job, so the ordering check reads a few index entries of one chat
 * instead of parsing the payload of every pending job (which made draining a backlog quadratic).
 */
export function addPositionOf(queue: QueueName, payload: unknown): AddPosition | undefined {
  const p = record(payload)
  const portal = p?.portal
  const item = record(queue === 'fetch' ? p?.event : p?.message)
  if (typeof portal !== 'string' || item?.kind !== 'added') return undefined
  const { chatId, messageId } = item
  if (typeof chatId !== 'number' || typeof messageId !== 'number') return undefined
  return { chat: `${portal}|${chatId}`, messageId }
}
