import type { Logger } from 'pino'
import { errorMessage } from '../../src/errors.js'
import type { MirrorMessage } from '../../src/model.js'
import { isOutputError } from '../../src/plugins/api.js'
import type { SlackRef } from './ref.js'
import type { HistoryMessage, MessageTag, SlackApi } from './slack-api.js'

/** The metadata event type the bridge tags its mirrors with. */
export const MIRROR_EVENT = 'openline_mirror'

/**
 * How far back `recover` looks. An intent is seconds or minutes old (the retry follows the crash
 * with backoff), so one page of the channel's newest messages holds the mirror unless more than
 * this many messages were posted there since; then the send is repeated (at least once).
 */
export const HISTORY_LIMIT = 100

/**
 * Metadata for one part of a mirror: every part carries the key and its index, so `recover` can
 * rebuild the whole ref, not only the first part (and a later edit does not post the rest again).
 */
export function mirrorTag(msg: MirrorMessage, key: string, part: number): MessageTag {
  return {
    event_type: MIRROR_EVENT,
    event_payload: { key, portal: msg.portal, message_id: msg.messageId, part },
  }
}

/**
 * The ts of each part tagged with this key, in part order. Should a part appear twice (a send was
 * repeated after an earlier, failed recovery), the oldest copy wins; the other stays in the channel.
 */
export function partsWithKey(messages: HistoryMessage[], key: string): string[] {
  const byPart = new Map<number, string>()
  for (const m of messages) {
    const payload = m.metadata?.event_payload
    if (m.metadata?.event_type !== MIRROR_EVENT || payload?.key !== key) continue
    const part = typeof payload.part === 'number' ? payload.part : 0
    const known = byPart.get(part)
    // Slack's ts are fixed-width (`seconds.micro`), so they sort as strings.
    if (known === undefined || m.ts < known) byPart.set(part, m.ts)
  }
  return [...byPart.entries()].sort(([a], [b]) => a - b).map(([, ts]) => ts)
}

/**
 * Finds the mirror a send under `key` made, or `undefined` (the pipeline then sends again). A
 * token without `channels:history` / `groups:history`, a channel given by name, or any other
 * refusal only costs the guarantee, so it is logged, not thrown. Transient failures and rate
 * limits are thrown: sending now would likely duplicate, retrying later will not.
 */
export async function findMirror(
  api: SlackApi,
  channel: string,
  key: string,
  logger: Logger,
  threadTs?: string,
): Promise<SlackRef | undefined> {
  let messages: HistoryMessage[]
  try {
    // A thread reply is not in the channel's history: it is listed under its parent.
    messages =
      threadTs === undefined
        ? await api.history(channel, HISTORY_LIMIT)
        : await api.replies(channel, threadTs, 1000)
  } catch (err) {
    if (isOutputError(err) && (err.reason === 'transient' || err.reason === 'rate-limited')) throw err
    logger.debug({ channel, err: errorMessage(err) }, 'cannot search Slack history; sending again')
    return undefined
  }
  const ts = partsWithKey(messages, key)
  if (ts.length === 0) {
    logger.debug({ channel, key }, 'no Slack message carries this key; sending again')
    return undefined
  }
  return threadTs === undefined ? { channel, ts } : { channel, ts, thread: threadTs }
}
