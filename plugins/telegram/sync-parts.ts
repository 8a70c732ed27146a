import type { Logger } from 'pino'
import { errorMessage } from '../../src/errors.js'
import { isOutputError } from '../../src/plugins/api.js'
import type { ChatId, Place, TelegramClient } from './client.js'
import { type ChatMigratedError, isChatMigrated } from './map-error.js'
import type { TelegramRef } from './ref.js'

/**
 * Send every part in order. If one fails, the parts already sent are deleted (best effort) before
 * the error goes up: the retry sends them all again, and the chat should not show them twice.
 */
export async function sendAll(
  client: TelegramClient,
  chatId: ChatId,
  parts: readonly string[],
  place: Place = {},
): Promise<number[]> {
  const ids: number[] = []
  try {
    for (const part of parts) ids.push(await client.sendMessage(chatId, part, place))
  } catch (err) {
    for (const id of ids) await client.deleteMessage(chatId, id, false).catch(() => undefined)
    throw err
  }
  return ids
}

/** Where a mirror's extra parts go: the same topic, replying to the same header. */
function placeOf(ref: TelegramRef): Place {
  const place: Place = {}
  if (ref.topicId !== undefined) place.topicId = ref.topicId
  if (ref.replyTo !== undefined) place.replyTo = ref.replyTo
  return place
}

/**
 * Bring a mirror to `parts`: edit the parts it has, send the extra ones, delete the surplus.
 * An unchanged part is fine ("message is not modified"); a missing one makes the mirror `gone`.
 */
export async function updateAll(
  client: TelegramClient,
  ref: TelegramRef,
  parts: readonly string[],
  logger: Logger,
): Promise<TelegramRef> {
  const shared = Math.min(parts.length, ref.messageIds.length)
  const ids = ref.messageIds.slice(0, shared)
  for (let i = 0; i < shared; i += 1) await client.editMessageText(ref.chatId, ids[i]!, parts[i]!)
  if (parts.length > shared)
    ids.push(...(await sendAll(client, ref.chatId, parts.slice(shared), placeOf(ref))))
  for (const id of ref.messageIds.slice(shared)) {
    try {
      await client.deleteMessage(ref.chatId, id)
    } catch (err) {
      // Older than 48 h (or left in an upgraded group): Telegram keeps it. The text moved to the parts above, so drop it from the ref.
      // A group that became a supergroup refuses deletes in the same way.
      if (!isChatMigrated(err) && (!isOutputError(err) || err.reason !== 'gone')) throw err
      logger.warn(
        { chatId: ref.chatId, messageId: id, err: errorMessage(err) },
        'surplus part could not be deleted',
      )
    }
  }
  return { ...ref, messageIds: ids }
}

/**
 * Delete every part; parts already gone count as deleted. Returns the parts Telegram refused to
 * delete: older than 48 hours ("message can't be deleted"), or left in a group that became a
 * supergroup (`migrate_to_chat_id`, which is then also returned). Bots can still edit those.
 */
export async function deleteAll(
  client: TelegramClient,
  ref: TelegramRef,
): Promise<{ kept: number[]; migrated?: ChatMigratedError }> {
  const kept: number[] = []
  let migrated: ChatMigratedError | undefined
  for (const id of ref.messageIds) {
    try {
      await client.deleteMessage(ref.chatId, id)
    } catch (err) {
      if (isChatMigrated(err)) migrated = err
      else if (!isOutputError(err) || err.reason !== 'gone') throw err
      kept.push(id)
    }
  }
  return migrated === undefined ? { kept } : { kept, migrated }
}
