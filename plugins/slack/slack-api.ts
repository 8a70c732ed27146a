import type * as SlackWebApi from '@slack/web-api'
import type { Logger as SlackLogger } from '@slack/web-api'
import type { Logger } from 'pino'
import { createLeakyBucket } from '../../src/bitrix/leaky-bucket.js'
import { isOutputError, OutputError } from '../../src/plugins/api.js'
import { lazyModule } from '../../src/runtime/lazy-module.js'
import { mapSlackError } from './map-error.js'

/** Loaded when the first Slack output is created, not at start. */
const slackSdk = lazyModule<typeof SlackWebApi>('@slack/web-api')

export interface SlackApiSettings {
  /** Output id, for error messages. */
  id: string
  token: string
  apiUrl: string
  timeoutMs: number
  ratePerSecond: number
  burst: number
  username: string | undefined
  iconUrl: string | undefined
  fetch: typeof fetch
  logger: Logger
}

/** Event metadata attached to a posted message (https://docs.slack.dev/messaging/message-metadata). */
export interface MessageTag {
  event_type: string
  event_payload: Record<string, string | number | boolean>
}

/** A message as `conversations.history` lists it: only what finding a mirror by metadata needs. */
export interface HistoryMessage {
  ts: string
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> }
}

/** The Web API calls the plugin makes, paced and with errors mapped to OutputErrors. */
/** Post into a thread: the parent's `ts`, and whether the reply also shows in the channel. */
export interface ThreadTarget {
  ts: string
  broadcast?: boolean
}

export interface SlackApi {
  authTest(): Promise<{ team?: string; user?: string; url?: string }>
  post(
    channel: string,
    text: string,
    metadata?: MessageTag,
    thread?: ThreadTarget,
  ): Promise<{ channel: string; ts: string }>
  /** The newest `limit` messages of a channel (newest first), with all their metadata. */
  history(channel: string, limit: number): Promise<HistoryMessage[]>
  /** A thread's parent and replies (oldest first, at most `limit`), with all their metadata. */
  replies(channel: string, ts: string, limit: number): Promise<HistoryMessage[]>
  update(channel: string, ts: string, text: string): Promise<void>
  /** Deletes; a message that is already gone counts as deleted. */
  remove(channel: string, ts: string): Promise<void>
}

// The client's own logging goes to our child logger at debug level: it would otherwise print to
// stdout, and its warnings (retries, deprecations) are not actionable for an operator.
function quietLogger(logger: Logger): SlackLogger {
  let level = slackSdk().LogLevel.DEBUG
  const log = (...msg: unknown[]) => logger.debug({ slack: msg.map(String).join(' ') }, 'slack client')
  return {
    debug: () => {},
    info: () => {},
    warn: log,
    error: log,
    setLevel: (next) => {
      level = next
    },
    getLevel: () => level,
    setName: () => {},
  }
}

export function createSlackApi(settings: SlackApiSettings): SlackApi {
  const client = new (slackSdk().WebClient)(settings.token, {
    slackApiUrl: settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/`,
    // The pipeline owns retries and rate-limit pauses (per output, persisted); the client must not
    // sleep on a 429 or retry on its own behind the pipeline's back.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: settings.timeoutMs,
    fetch: settings.fetch,
    logger: quietLogger(settings.logger),
  })
  // Slack allows about one message per second per channel, with short bursts
  // (https://api.slack.com/methods/chat.postMessage#rate_limiting).
  const bucket = createLeakyBucket({ burst: settings.burst, perSecond: settings.ratePerSecond })

  async function call<T>(method: string, paced: boolean, run: () => Promise<T>): Promise<T> {
    if (paced) await bucket.take()
    try {
      return await run()
    } catch (err) {
      const mapped = mapSlackError(err, settings.id, method)
      if (mapped.reason === 'rate-limited') bucket.penalize(mapped.retryAfterMs ?? 1000)
      throw mapped
    }
  }

  return {
    async authTest() {
      const res = await call('auth.test', false, () => client.auth.test())
      return {
        ...(res.team ? { team: res.team } : {}),
        ...(res.user ? { user: res.user } : {}),
        ...(res.url ? { url: res.url } : {}),
      }
    },
    async post(channel, text, metadata, thread) {
      const base = {
        channel,
        text,
        mrkdwn: true,
        // The text is finished mrkdwn; Slack must not re-parse it (see update).
        parse: 'none' as const,
        unfurl_links: false,
        ...(settings.username === undefined ? {} : { username: settings.username }),
        ...(settings.iconUrl === undefined ? {} : { icon_url: settings.iconUrl }),
        ...(metadata === undefined ? {} : { metadata }),
      }
      const res = await call('chat.postMessage', true, () =>
        client.chat.postMessage(
          thread === undefined
            ? base
            : { ...base, thread_ts: thread.ts, reply_broadcast: thread.broadcast === true },
        ),
      )
      if (typeof res.ts !== 'string' || typeof res.channel !== 'string') {
        throw new OutputError(
          'invalid',
          `Slack chat.postMessage for output ${settings.id} answered without channel and ts`,
        )
      }
      // Slack answers with the channel ID even when the config names the channel (#support);
      // chat.update and chat.delete accept only the ID.
      return { channel: res.channel, ts: res.ts }
    },
    async history(channel, limit) {
      // Not paced by the posting bucket: reads are limited separately (a 429 maps to rate-limited).
      const res = await call('conversations.history', false, () =>
        // Without include_all_metadata Slack strips event_payload of event types the app manifest
        // does not declare, and the key would be invisible.
        client.conversations.history({ channel, limit, include_all_metadata: true }),
      )
      return (res.messages ?? []).flatMap((m): HistoryMessage[] =>
        typeof m.ts === 'string'
          ? // The library types event_payload as `{}`; it is the JSON object the bridge posted.
            [{ ts: m.ts, ...(m.metadata ? { metadata: m.metadata as HistoryMessage['metadata'] & {} } : {}) }]
          : [],
      )
    },
    async replies(channel, ts, limit) {
      const res = await call('conversations.replies', false, () =>
        client.conversations.replies({ channel, ts, limit, include_all_metadata: true }),
      )
      return (res.messages ?? []).flatMap((m): HistoryMessage[] =>
        typeof m.ts === 'string'
          ? [{ ts: m.ts, ...(m.metadata ? { metadata: m.metadata as HistoryMessage['metadata'] & {} } : {}) }]
          : [],
      )
    },
    async update(channel, ts, text) {
      // chat.update defaults to `parse: client`, unlike chat.postMessage: it would show our link
      // markup as text and link bare URLs. `none` makes an edit render exactly like the post.
      await call('chat.update', true, () => client.chat.update({ channel, ts, text, parse: 'none' }))
    },
    async remove(channel, ts) {
      try {
        await call('chat.delete', true, () => client.chat.delete({ channel, ts }))
      } catch (err) {
        // Deleting what is already gone is the goal (and what a retry after a lost answer sees).
        if (!isOutputError(err) || err.reason !== 'gone') throw err
      }
    },
  }
}
