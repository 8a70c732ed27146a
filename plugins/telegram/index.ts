import type { MirrorMessage } from '../../src/model.js'
import { definePlugin, isOutputError, memoryState, OutputError } from '../../src/plugins/api.js'
import { createChatMoves } from './chat-moves.js'
import { type ChatId, createTelegramClient } from './client.js'
import { type FormatSettings, formatMessage } from './format.js'
import { RateLimiter } from './limiter.js'
import { isChatMigrated } from './map-error.js'
import { renderPieces } from './pieces.js'
import { readRef, type TelegramRef } from './ref.js'
import { type TelegramOptions, telegramDefaults, telegramSchema } from './schema.js'
import { splitPieces, TELEGRAM_TEXT_LIMIT } from './split.js'
import { deleteAll, sendAll, updateAll } from './sync-parts.js'
import { placeFor, type ThreadDeps } from './threads.js'

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

/** The mirror as it must look once deleted: its last text struck through, marked `(deleted)`. */
function struckOf(msg: MirrorMessage): MirrorMessage {
  const text = msg.previousText ?? msg.plainText
  return {
    ...msg,
    kind: 'deleted',
    ast: [{ type: 'strike', children: [{ type: 'text', text }] }],
    plainText: text,
  }
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
    const moves = createChatMoves(context.state ?? memoryState(), context.id, context.logger)

    /** Run against the chat `chatId` now lives in; when Telegram says it moved, store that and retry at once. */
    async function inChat<T>(run: (chat: ChatId) => Promise<T>): Promise<T> {
      const target = await moves.resolve(chatId)
      try {
        return await run(target)
      } catch (err) {
        if (!isChatMigrated(err)) throw err
        await moves.record(target, err.to)
        return run(err.to)
      }
    }

    /**
     * A mirror left behind in a group that became a supergroup: its ids mean nothing in the new chat,
     * so an edit Telegram refuses there is `gone` (policy.missingOriginal then sends a new mirror
     * into the supergroup, and the stored ref moves with it).
     */
    async function leftBehind(ref: TelegramRef, err: unknown): Promise<OutputError | undefined> {
      const to = isChatMigrated(err) ? err.to : await moves.moved(ref.chatId)
      if (
        to === undefined ||
        !isOutputError(err) ||
        err.reason === 'transient' ||
        err.reason === 'rate-limited'
      )
        return undefined
      if (isChatMigrated(err)) await moves.record(ref.chatId, to)
      return new OutputError(
        'gone',
        `output ${context.id}: the mirror is in group ${ref.chatId}, which was upgraded to the supergroup ${to}; Telegram refused to change it there (${err.message})`,
        { cause: err },
      )
    }

    const threads: ThreadDeps = {
      client,
      chatId,
      mode: options.threads ?? telegramDefaults.threads,
      logger: context.logger,
    }

    return {
      id: context.id,
      capabilities: { edit: true, delete: true },
      async start() {
        await client.getMe(chatId)
        await moves.remind(chatId)
      },
      async send(msg, conversation) {
        const parts = renderParts(msg, settings)
        const into = (reopen: boolean): Promise<TelegramRef> =>
          inChat(async (chat) => {
            const place = await placeFor({ ...threads, chatId: chat }, msg.conversation, conversation, reopen)
            const ref: TelegramRef = { chatId: chat, messageIds: await sendAll(client, chat, parts, place) }
            if (place?.topicId !== undefined) ref.topicId = place.topicId
            if (place?.replyTo !== undefined) ref.replyTo = place.replyTo
            return ref
          })
        let ref: TelegramRef
        try {
          ref = await into(false)
        } catch (err) {
          // The chat's topic or header was deleted in Telegram: open a new thread for it.
          if (!isOutputError(err) || err.reason !== 'gone' || conversation === undefined) throw err
          context.logger.warn(
            { chatId: msg.chatId },
            'the thread of this chat is gone in Telegram; opening a new one',
          )
          ref = await into(true)
        }
        context.logger.debug(
          { messageId: msg.messageId, parts: ref.messageIds.length },
          'telegram mirror sent',
        )
        return ref satisfies TelegramRef
      },
      async update(ref, msg) {
        const old = readRef(ref, context.id)
        try {
          const next = await updateAll(client, old, renderParts(msg, settings), context.logger)
          context.logger.debug(
            { messageId: msg.messageId, parts: next.messageIds.length },
            'telegram mirror edited',
          )
          return next
        } catch (err) {
          throw (await leftBehind(old, err)) ?? err
        }
      },
      async delete(ref, msg) {
        const old = readRef(ref, context.id)
        const { kept, migrated } = await deleteAll(client, old)
        if (kept.length === 0) return
        if (migrated) await moves.record(old.chatId, migrated.to)
        // Telegram keeps messages older than 48 hours (and an upgraded group's); bots can still
        // edit their own messages at any age, so the mirror is struck through instead.
        try {
          await updateAll(
            client,
            { chatId: old.chatId, messageIds: kept },
            renderParts(struckOf(msg), settings),
            context.logger,
          )
        } catch (err) {
          throw (await leftBehind(old, err)) ?? err
        }
        context.logger.info(
          { messageId: msg.messageId, chatId: old.chatId, parts: kept.length },
          'Telegram refused to delete the mirror (older than 48 hours, or missing the Delete messages right); struck it through instead',
        )
      },
    }
  },
})
