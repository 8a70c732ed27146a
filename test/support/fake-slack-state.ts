/** The fake Slack's channels and messages, and the Web API methods the Slack output uses. */
import { applyParse, type ParseMode, parseModeOf, type SlackDirectory } from './slack-parse.js'

export interface FakeSlackMessage {
  ts: string
  text: string
  username?: string
  iconUrl?: string
  /** Set once the message was edited through chat.update. */
  edited?: boolean
  /** Event metadata posted with the message (`{event_type, event_payload}`). */
  metadata?: FakeMetadata
  /** A thread reply: its parent's ts. */
  threadTs?: string
  /** A thread reply also shown in the channel (`reply_broadcast`). */
  broadcast?: boolean
}

export interface FakeMetadata {
  event_type: string
  event_payload: Record<string, unknown>
}

export interface FakeChannel {
  id: string
  name: string
  member: boolean
  archived: boolean
  messages: FakeSlackMessage[]
}

type Answer = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown }

// Each method's default `parse` (test/fixtures/slack/parse-modes.json): chat.update differs.
const defaultParse: Record<string, ParseMode> = { 'chat.postMessage': 'none', 'chat.update': 'client' }

// Slack's documented limit for `text` (https://api.slack.com/methods/chat.postMessage#truncating).
const MAX_TEXT = 40_000

export class SlackState {
  private seq = 100

  /** `readHistory: false` is a token without channels:history / groups:history. */
  constructor(
    private readonly channels: FakeChannel[],
    private readonly readHistory = true,
  ) {}

  /** Who `parse=full` can link to: the channels, and the bot itself. */
  private get directory(): SlackDirectory {
    return { users: [{ id: 'U0BOT', name: 'bridge' }], channels: this.channels }
  }

  /** The text as Slack stores it after applying the call's `parse` mode (or the method's default). */
  private parsed(method: string, body: Record<string, string>): string {
    return applyParse(body.text!, parseModeOf(body.parse, defaultParse[method]!), this.directory)
  }

  messages(channelId: string): FakeSlackMessage[] {
    return this.byId(channelId)?.messages.map((m) => ({ ...m })) ?? []
  }

  remove(channelId: string, ts: string): void {
    const channel = this.byId(channelId)
    if (channel) channel.messages = channel.messages.filter((m) => m.ts !== ts)
  }

  call(method: string, body: Record<string, string>): Answer {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://demo.slack.com/',
          team: 'Demo',
          user: 'bridge',
          team_id: 'T0DEMO',
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        }
      case 'chat.postMessage':
        return this.post(body)
      case 'chat.update':
        return this.update(body)
      case 'chat.delete':
        return this.delete(body)
      case 'conversations.history':
        return this.history(body)
      case 'conversations.replies':
        return this.replies(body)
      default:
        return { ok: false, error: 'unknown_method' }
    }
  }

  private byId(id: string | undefined): FakeChannel | undefined {
    return this.channels.find((c) => c.id === id)
  }

  private post(body: Record<string, string>): Answer {
    const ref = (body.channel ?? '').replace(/^#/, '')
    // Posting accepts an ID or a name; Slack answers with the ID either way.
    const channel = this.channels.find((c) => c.id === ref || c.name === ref)
    if (!channel) return { ok: false, error: 'channel_not_found' }
    if (channel.archived) return { ok: false, error: 'is_archived' }
    if (!channel.member) return { ok: false, error: 'not_in_channel' }
    const checked = checkText(body.text)
    if (checked) return checked
    // A reply names its parent by ts: a malformed one is `invalid_thread_ts`, one that names no
    // top-level message of the channel (never posted, or deleted) is `thread_not_found`.
    const threadTs = body.thread_ts
    if (threadTs !== undefined) {
      if (!/^\d+\.\d+$/.test(threadTs)) return { ok: false, error: 'invalid_thread_ts' }
      if (!channel.messages.some((m) => m.ts === threadTs && m.threadTs === undefined)) {
        return { ok: false, error: 'thread_not_found' }
      }
    }
    this.seq += 1
    const message: FakeSlackMessage = {
      ts: `1714649632.${String(this.seq).padStart(6, '0')}`,
      text: this.parsed('chat.postMessage', body),
    }
    if (threadTs !== undefined) message.threadTs = threadTs
    if (threadTs !== undefined && body.reply_broadcast === 'true') message.broadcast = true
    if (body.username !== undefined) message.username = body.username
    if (body.icon_url !== undefined) message.iconUrl = body.icon_url
    if (body.metadata !== undefined) {
      const metadata = parseMetadata(body.metadata)
      if (!metadata) return { ok: false, error: 'invalid_metadata_format' }
      message.metadata = metadata
    }
    channel.messages.push(message)
    return { ok: true, channel: channel.id, ts: message.ts, message: { type: 'message', text: message.text } }
  }

  private find(body: Record<string, string>): { channel: FakeChannel; index: number } | Answer {
    // chat.update and chat.delete take the channel ID only.
    const channel = this.byId(body.channel)
    if (!channel) return { ok: false, error: 'channel_not_found' }
    const index = channel.messages.findIndex((m) => m.ts === body.ts)
    if (index < 0) return { ok: false, error: 'message_not_found' }
    return { channel, index }
  }

  private update(body: Record<string, string>): Answer {
    const found = this.find(body)
    if ('ok' in found) return found
    const checked = checkText(body.text)
    if (checked) return checked
    const message = found.channel.messages[found.index]!
    message.text = this.parsed('chat.update', body)
    message.edited = true
    return { ok: true, channel: found.channel.id, ts: message.ts, text: message.text }
  }

  private delete(body: Record<string, string>): Answer {
    const found = this.find(body)
    if ('ok' in found) return found
    found.channel.messages.splice(found.index, 1)
    return { ok: true, channel: found.channel.id, ts: body.ts }
  }

  /**
   * Newest first. Like Slack, `event_payload` is only listed with `include_all_metadata` (an app
   * manifest could declare the event type instead; the fake's app declares none).
   */
  private history(body: Record<string, string>): Answer {
    if (!this.readHistory) {
      return { ok: false, error: 'missing_scope', needed: 'channels:history', provided: 'chat:write' }
    }
    // conversations.history takes the channel ID only.
    const channel = this.byId(body.channel)
    if (!channel) return { ok: false, error: 'channel_not_found' }
    if (!channel.member) return { ok: false, error: 'not_in_channel' }
    const limit = Number(body.limit ?? 100)
    const all = body.include_all_metadata === 'true'
    // Thread replies are not in the channel's history, unless broadcast to it.
    const messages = [...channel.messages]
      .filter((m) => m.threadTs === undefined || m.broadcast === true)
      .reverse()
      .map((m) => listed(m, all))
    return { ok: true, messages: messages.slice(0, limit), has_more: messages.length > limit }
  }

  /** A thread: the parent first, then its replies, oldest first (`ts` must name a message). */
  private replies(body: Record<string, string>): Answer {
    if (!this.readHistory) {
      return { ok: false, error: 'missing_scope', needed: 'channels:history', provided: 'chat:write' }
    }
    const channel = this.byId(body.channel)
    if (!channel) return { ok: false, error: 'channel_not_found' }
    if (!channel.member) return { ok: false, error: 'not_in_channel' }
    const target = channel.messages.find((m) => m.ts === body.ts)
    if (!target) return { ok: false, error: 'thread_not_found' }
    const parent = target.threadTs ?? target.ts
    const all = body.include_all_metadata === 'true'
    const limit = Number(body.limit ?? 1000)
    const messages = channel.messages
      .filter((m) => m.ts === parent || m.threadTs === parent)
      .map((m) => ({ ...listed(m, all), thread_ts: parent }))
    return { ok: true, messages: messages.slice(0, limit), has_more: messages.length > limit }
  }
}

function listed(m: FakeSlackMessage, allMetadata: boolean) {
  return {
    type: 'message',
    ts: m.ts,
    text: m.text,
    bot_id: 'B0BOT',
    ...(m.metadata ? { metadata: allMetadata ? m.metadata : { event_type: m.metadata.event_type } } : {}),
  }
}

function parseMetadata(raw: string): FakeMetadata | undefined {
  try {
    const value = JSON.parse(raw) as Partial<FakeMetadata>
    if (typeof value.event_type !== 'string' || typeof value.event_payload !== 'object') return undefined
    return { event_type: value.event_type, event_payload: value.event_payload }
  } catch {
    return undefined
  }
}

function checkText(text: string | undefined): Answer | undefined {
  if (text === undefined || text.trim() === '') return { ok: false, error: 'no_text' }
  if (text.length > MAX_TEXT) return { ok: false, error: 'msg_too_long' }
  return undefined
}
