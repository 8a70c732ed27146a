import type { Logger } from 'pino'
import { errorMessage } from '../../src/errors.js'
import type { MirrorConversation } from '../../src/model.js'
import type { ConversationContext } from '../../src/plugins/api.js'
import { conversationHeader } from '../../src/plugins/conversation-header.js'
import { escapeHtml } from '../../src/render/render-html.js'
import type { ChatId, Place, TelegramClient } from './client.js'
import { readThreadRef, type TelegramThreadRef } from './ref.js'

export type ThreadMode = 'topics' | 'replies' | 'none'

/** Telegram's limit for a topic name (createForumTopic `name`, 1–128 characters). */
const TOPIC_NAME_LIMIT = 128

export function topicName(conversation: MirrorConversation): string {
  const name = conversationHeader(conversation)
  return name.length > TOPIC_NAME_LIMIT ? `${name.slice(0, TOPIC_NAME_LIMIT - 1)}…` : name
}

/** The header message: the one-line header linked to the chat, its title, a link back on a new session. */
function headerHtml(conversation: MirrorConversation, chatId: ChatId, previous?: TelegramThreadRef): string {
  const url = /^https?:\/\//i.test(conversation.url) ? conversation.url : undefined
  const title = escapeHtml(conversationHeader(conversation))
  const lines = [
    url === undefined ? `<b>${title}</b>` : `<b><a href="${escapeHtml(url)}">${title}</a></b>`,
    `<i>${escapeHtml(conversation.title)}</i>`,
  ]
  const link = previous && previousLink(chatId, previous)
  if (previous !== undefined)
    lines.push(link ? `<a href="${link}">Previous session</a>` : 'A new session of an earlier conversation.')
  return lines.join('\n')
}

/** `t.me/c/<id>/<message>` links work inside supergroups (`-100…` ids) for their members. */
function previousLink(chatId: ChatId, previous: TelegramThreadRef): string | undefined {
  const match = /^-100(\d+)$/.exec(String(chatId))
  if (match === null) return undefined
  return previous.topicId === undefined
    ? `https://t.me/c/${match[1]}/${previous.headerId}`
    : `https://t.me/c/${match[1]}/${previous.topicId}/${previous.headerId}`
}

export interface ThreadDeps {
  client: TelegramClient
  chatId: ChatId
  mode: ThreadMode
  logger: Logger
}

/**
 * The place a chat's messages go: its topic (`topics`) or a reply to its header (`replies`).
 * A new thread is saved before any message goes in, so a retry never opens a second one. A
 * new session under `topics` closes the previous topic when the bot may; a changed title renames it.
 */
export async function placeFor(
  deps: ThreadDeps,
  conversation: MirrorConversation | undefined,
  context: ConversationContext | undefined,
  reopen = false,
): Promise<Place | undefined> {
  if (deps.mode === 'none' || conversation === undefined || context === undefined) return undefined
  const { client, chatId } = deps
  const saved = reopen ? undefined : readThreadRef(context.ref)
  if (saved !== undefined) {
    if (saved.topicId !== undefined && saved.name !== undefined && saved.name !== topicName(conversation)) {
      const name = topicName(conversation)
      await client.editForumTopic(chatId, saved.topicId, name)
      await context.save({ ...saved, name } satisfies TelegramThreadRef)
    }
    return placeIn(saved, deps.mode)
  }
  const previous = readThreadRef(context.previous)
  let thread: TelegramThreadRef
  if (deps.mode === 'topics') {
    const name = topicName(conversation)
    const topicId = await client.createForumTopic(chatId, name)
    const headerId = await client.sendMessage(chatId, headerHtml(conversation, chatId, previous), { topicId })
    thread = { headerId, topicId, name }
  } else {
    thread = { headerId: await client.sendMessage(chatId, headerHtml(conversation, chatId, previous)) }
  }
  await context.save(thread)
  if (previous?.topicId !== undefined && !reopen) {
    await client
      .closeForumTopic(chatId, previous.topicId)
      .catch((err: unknown) =>
        deps.logger.info(
          { err: errorMessage(err) },
          'could not close the previous session topic; it stays open',
        ),
      )
  }
  return placeIn(thread, deps.mode)
}

function placeIn(thread: TelegramThreadRef, mode: ThreadMode): Place {
  if (mode === 'topics' && thread.topicId !== undefined) return { topicId: thread.topicId }
  return { replyTo: thread.headerId }
}
