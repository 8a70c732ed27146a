import type { MirrorMessage } from '../../src/model.js'
import { definePlugin } from '../../src/plugins/api.js'
import { createTelegramClient } from './client.js'
import { type FormatSettings, formatMessage } from './format.js'
import { RateLimiter } from './limiter.js'
import { renderPieces } from './pieces.js'
import { readRef, type TelegramRef } from './ref.js'
import { type TelegramOptions, telegramDefaults, telegramSchema } from './schema.js'
import { splitPieces, TELEGRAM_TEXT_LIMIT } from './split.js'
import { deleteAll, sendAll, updateAll } from './sync-parts.js'

export type { TelegramRef } from './ref.js'

// One limiter per bot token: Telegram's 30 messages/s is per bot, whichever outputs share it.
const limiters = new Map<string, RateLimiter>()

function limiterFor(token: string): RateLimiter {
  let limiter = limiters.get(token)
  if (!limiter) {
    limiter = new RateLimiter()
    limiters.set(token, limiter)
  }
  return limiter
}

/** The message as Telegram HTML, split into parts of at most 4,096 visible characters. */
export function renderParts(
  msg: MirrorMessage,
  settings: FormatSettings,
  limit = TELEGRAM_TEXT_LIMIT,
): string[] {
  return splitPieces(formatMessage(msg, settings), limit).map(renderPieces)
}

/** Mirrors messages into a Telegram chat, channel or forum topic through the Bot API, editing in place. */
export default definePlugin<TelegramOptions>({
  type: 'telegram',
  configSchema: telegramSchema,
  create(options, context) {
    const limits = { ...telegramDefaults.limits, ...options.limits }
    const client = createTelegramClient({
      output: context.id,
      token: options.token,
      apiRoot: options.apiRoot ?? telegramDefaults.apiRoot,
      timeoutMs: options.timeoutMs ?? telegramDefaults.timeoutMs,
      disablePreview: options.disablePreview ?? telegramDefaults.disablePreview,
      messageThreadId: options.messageThreadId,
      limiter: limiterFor(options.token),
      limits,
    })
    const settings: FormatSettings = {
      showAuthor: options.showAuthor ?? telegramDefaults.showAuthor,
      editMarker: options.editMarker ?? context.policy.editMarker,
      showEditedBy: options.showEditedBy ?? telegramDefaults.showEditedBy,
    }
    const chatId = options.chatId

    return {
      id: context.id,
      capabilities: { edit: true, delete: true },
      async start() {
        await client.getMe(chatId)
      },
      async send(msg) {
        const messageIds = await sendAll(client, chatId, renderParts(msg, settings))
        context.logger.debug({ messageId: msg.messageId, parts: messageIds.length }, 'telegram mirror sent')
        return { chatId, messageIds } satisfies TelegramRef
      },
      async update(ref, msg) {
        const next = await updateAll(
          client,
          readRef(ref, context.id),
          renderParts(msg, settings),
          context.logger,
        )
        context.logger.debug(
          { messageId: msg.messageId, parts: next.messageIds.length },
          'telegram mirror edited',
        )
        return next
      },
      async delete(ref) {
        await deleteAll(client, readRef(ref, context.id))
      },
    }
  },
})
