import type { EventKind, NormalizedEvent } from '../model.js'
import type { DeliverPayload, FetchPayload } from './jobs.js'

/**
 * Merge two kinds of one message into the state that still has to be mirrored: a delete that came
 * last wins; an add not yet mirrored stays an add (so it is sent, not treated as a missing original).
 */
function mergeKind(older: EventKind, newer: EventKind): EventKind {
  if (newer === 'deleted') return 'deleted'
  if (older === 'added') return 'added'
  return newer
}

function mergeEvents(a: NormalizedEvent, b: NormalizedEvent): NormalizedEvent {
  const [older, newer] = b.ts >= a.ts ? [a, b] : [b, a]
  // A text hint belongs to the version it came with, so only the newest one is kept.
  const merged: NormalizedEvent = { ...newer, kind: mergeKind(older.kind, newer.kind) }
  if (merged.userToken === undefined && older.userToken !== undefined) merged.userToken = older.userToken
  return merged
}

function isFetch(p: unknown): p is FetchPayload {
  return typeof p === 'object' && p !== null && 'event' in p
}

function isDeliver(p: unknown): p is DeliverPayload {
  return typeof p === 'object' && p !== null && 'message' in p && 'version' in p
}

/** The store's coalescing rule for pipeline jobs: newest version wins, kinds merged as above. */
export function coalescePayloads(existing: unknown, incoming: unknown): unknown {
  if (isFetch(existing) && isFetch(incoming)) {
    return { portal: incoming.portal, event: mergeEvents(existing.event, incoming.event) }
  }
  if (isDeliver(existing) && isDeliver(incoming)) {
    const [older, newer] = incoming.version >= existing.version ? [existing, incoming] : [incoming, existing]
    return {
      ...newer,
      message: { ...newer.message, kind: mergeKind(older.message.kind, newer.message.kind) },
    }
  }
  return incoming
}
