import type * as Telegraf from 'telegraf'
import { lazyModule } from '../../src/runtime/lazy-module.js'
import type { RateLimiter, RateWindow } from './limiter.js'
import { type ErrorContext, mapTelegramError, type TelegramOp } from './map-error.js'

/** Loaded when the first Telegram output is created, not at start. */
const telegraf = lazyModule<typeof Telegraf>('telegraf')

export interface ClientSettings {
  output: string
  token: string
  apiRoot: string
  timeoutMs: number
  disablePreview: boolean
  messageThreadId: number | undefined
  limiter: RateLimiter
  limits: { perChatPerSecond: number; perGroupPerMinute: number; perBotPerSecond: number; maxWaitMs: number }
}

export type ChatId = string | number

/** Where a message goes inside its chat: a forum topic, and/or as a reply to a message. */
export interface Place {
  topicId?: number
  replyTo?: number
}

/** Groups, supergroups and channels have negative ids; a private chat or `@channel` does not. */
export function isGroupChat(chatId: ChatId): boolean {
  return String(chatId).startsWith('-')
}

/** `max` per `perMs`, as a window that also works for rates below one (0.5/s = 1 per 2 s). */
function window(key: string, rate: number, perMs: number): RateWindow {
  return rate >= 1 ? { key, max: rate, windowMs: perMs } : { key, max: 1, windowMs: perMs / rate }
}

function windowsFor(chatId: ChatId, limits: ClientSettings['limits']): RateWindow[] {
  const windows = [
    window(`chat:${chatId}`, limits.perChatPerSecond, 1000),
    window('bot', limits.perBotPerSecond, 1000),
  ]
  if (isGroupChat(chatId)) windows.push(window(`group:${chatId}`, limits.perGroupPerMinute, 60_000))
  return windows
}

/**
 * The four Bot API calls the output makes, through telegraf's `Telegram` client (no polling bot),
 * each paced by the limiter, bounded by a timeout and with errors mapped at this one boundary.
 */
export function createTelegramClient(settings: ClientSettings) {
  // telegraf resolves `./bot<token>/<method>` against apiRoot: without the slash a path prefix is lost.
  const apiRoot = settings.apiRoot.endsWith('/') ? settings.apiRoot : `${settings.apiRoot}/`
  const telegram = new (telegraf().Telegram)(settings.token, { apiRoot })
  const context = (op: TelegramOp, chatId: ChatId): ErrorContext => ({
    op,
    output: settings.output,
    chatId,
    token: settings.token,
    timeoutMs: settings.timeoutMs,
  })

  async function call<T>(
    op: TelegramOp,
    chatId: ChatId,
    run: (signal: AbortSignal) => Promise<T>,
    paced = true,
  ) {
    if (paced) await settings.limiter.acquire(windowsFor(chatId, settings.limits), settings.limits.maxWaitMs)
    try {
      return await run(AbortSignal.timeout(settings.timeoutMs))
    } catch (err) {
      const mapped = mapTelegramError(err, context(op, chatId))
      if (typeof mapped === 'string') return mapped
      throw mapped
    }
  }

  // telegraf types its signal with the `abort-controller` shim; node-fetch accepts the native one.
  const opts = (signal: AbortSignal) => ({ signal: signal as unknown as never })
  const preview = { is_disabled: settings.disablePreview }

  return {
    async getMe(chatId: ChatId): Promise<void> {
      await call('start', chatId, (signal) => telegram.callApi('getMe', {}, opts(signal)), false)
    },
    /** The new message id. `place`: a forum topic (overrides `messageThreadId`), a message to reply to. */
    async sendMessage(chatId: ChatId, html: string, place: Place = {}): Promise<number> {
      const topic = place.topicId ?? settings.messageThreadId
      const payload = {
        chat_id: chatId,
        text: html,
        parse_mode: 'HTML' as const,
        link_preview_options: preview,
        ...(topic === undefined ? {} : { message_thread_id: topic }),
        ...(place.replyTo === undefined ? {} : { reply_parameters: { message_id: place.replyTo } }),
      }
      const sent = await call('send', chatId, (signal) =>
        telegram.callApi('sendMessage', payload, opts(signal)),
      )
      if (typeof sent === 'string') throw new Error(`unexpected ${sent} from sendMessage`)
      return sent.message_id
    },
    /** A forum topic named `name` (1–128 characters); its `message_thread_id`. */
    async createForumTopic(chatId: ChatId, name: string): Promise<number> {
      const topic = await call('topic', chatId, (signal) =>
        telegram.callApi('createForumTopic', { chat_id: chatId, name }, opts(signal)),
      )
      if (typeof topic === 'string') throw new Error(`unexpected ${topic} from createForumTopic`)
      return topic.message_thread_id
    },
    async editForumTopic(chatId: ChatId, topicId: number, name: string): Promise<void> {
      await call('topic', chatId, (signal) =>
        telegram.callApi(
          'editForumTopic',
          { chat_id: chatId, message_thread_id: topicId, name },
          opts(signal),
        ),
      )
    },
    async closeForumTopic(chatId: ChatId, topicId: number): Promise<void> {
      await call('topic', chatId, (signal) =>
        telegram.callApi('closeForumTopic', { chat_id: chatId, message_thread_id: topicId }, opts(signal)),
      )
    },
    /** Resolves as well when Telegram says the message is not modified (it already shows this). */
    async editMessageText(chatId: ChatId, messageId: number, html: string): Promise<void> {
      const payload = {
        chat_id: chatId,
        message_id: messageId,
        text: html,
        parse_mode: 'HTML' as const,
        link_preview_options: preview,
      }
      await call('edit', chatId, (signal) => telegram.callApi('editMessageText', payload, opts(signal)))
    },
    /**
     * Resolves as well when the message is already gone. `paced: false` is for cleaning up after a
     * failed send, which must not itself be turned away by the limiter that caused the failure.
     */
    async deleteMessage(chatId: ChatId, messageId: number, paced = true): Promise<void> {
      const payload = { chat_id: chatId, message_id: messageId }
      await call(
        'delete',
        chatId,
        (signal) => telegram.callApi('deleteMessage', payload, opts(signal)),
        paced,
      )
    },
  }
}

export type TelegramClient = ReturnType<typeof createTelegramClient>
