import type { ExternalRef } from '../../src/plugins/api.js'
import { OutputError } from '../../src/plugins/api.js'

/** Where a mirror lives: the channel ID and the `ts` of every part, in order. */
export interface SlackRef {
  channel: string
  ts: string[]
  /** The chat's thread (its header's ts) when the mirror is a thread reply. */
  thread?: string
}

/** What the plugin saves per Bitrix24 chat: the channel and the thread header's ts. */
export interface SlackThreadRef {
  channel: string
  ts: string
}

export function readThreadRef(ref: ExternalRef): SlackThreadRef | undefined {
  const value = ref as Partial<SlackThreadRef> | null | undefined
  return typeof value?.channel === 'string' && typeof value.ts === 'string'
    ? { channel: value.channel, ts: value.ts }
    : undefined
}

/** A stored ref, also accepting the single-message shape `{channel, ts: "…"}`. */
export function readRef(ref: ExternalRef, id: string): SlackRef {
  const value = ref as { channel?: unknown; ts?: unknown; thread?: unknown } | null
  const channel = value?.channel
  const ts = typeof value?.ts === 'string' ? [value.ts] : value?.ts
  if (
    typeof channel === 'string' &&
    Array.isArray(ts) &&
    ts.length > 0 &&
    ts.every((t): t is string => typeof t === 'string')
  ) {
    return typeof value?.thread === 'string' ? { channel, ts, thread: value.thread } : { channel, ts }
  }
  // Treated as a lost mirror: the pipeline's missingOriginal policy decides whether to post anew.
  throw new OutputError(
    'gone',
    `output ${id} has no usable Slack ref for this message (${JSON.stringify(ref)})`,
  )
}
