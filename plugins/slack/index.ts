import type { MirrorMessage } from '../../src/model.js'
import { type ConversationContext, definePlugin, isOutputError } from '../../src/plugins/api.js'
import { type FormatSettings, formatParts } from './format.js'
import { findMirror, mirrorTag } from './recover.js'
import { readRef, readThreadRef, type SlackRef, type SlackThreadRef } from './ref.js'
import { type SlackOptions, slackDefaults, slackSchema } from './schema.js'
import { createSlackApi, type ThreadTarget } from './slack-api.js'
import { headerText } from './thread-header.js'

export type { SlackRef } from './ref.js'

/**
 * Mirrors messages into a Slack channel and edits them in place, one thread per Bitrix24 chat
 * (`threads`). A text longer than one Slack message is posted as several parts; the ref keeps
 * every part (and the thread) so edits and deletions reach all.
 */
export default definePlugin<SlackOptions>({
  type: 'slack',
  configSchema: slackSchema,
  create(options, context) {
    const id = context.id
    const limit = options.maxTextLength ?? slackDefaults.maxTextLength
    const settings: FormatSettings = {
      showAuthor: options.showAuthor ?? slackDefaults.showAuthor,
      showEditedBy: options.showEditedBy ?? slackDefaults.showEditedBy,
      editMarker: options.editMarker ?? context.policy.editMarker,
    }
    const api = createSlackApi({
      id,
      token: options.token,
      apiUrl: options.apiUrl ?? slackDefaults.apiUrl,
      timeoutMs: options.timeoutMs ?? slackDefaults.timeoutMs,
      ratePerSecond: options.ratePerSecond ?? slackDefaults.ratePerSecond,
      burst: options.burst ?? slackDefaults.burst,
      username: options.username,
      iconUrl: options.iconUrl,
      fetch: context.fetch,
      logger: context.logger,
    })
    const render = (msg: MirrorMessage): string[] => formatParts(msg, settings, limit)
    // The channel ID Slack answered with; conversations.history takes only the ID, not `#name`.
    let channelId: string | undefined
    // The workspace URL auth.test names, for links back to a previous session's thread.
    let workspaceUrl: string | undefined
    const threads = options.threads ?? slackDefaults.threads
    const broadcastFirst = options.broadcastFirst ?? slackDefaults.broadcastFirst

    /**
     * The chat's thread: the saved header, or a new header post (saved before any reply goes in,
     * so a retry replies under it instead of posting a second header).
     */
    async function threadOf(
      msg: MirrorMessage,
      conversation: ConversationContext | undefined,
      reopen = false,
    ): Promise<{ thread: SlackThreadRef; opened: boolean } | undefined> {
      if (!threads || conversation === undefined || msg.conversation === undefined) return undefined
      const saved = reopen ? undefined : readThreadRef(conversation.ref)
      if (saved !== undefined) return { thread: saved, opened: false }
      const previous = readThreadRef(conversation.previous)
      const posted = await api.post(options.channel, headerText(msg.conversation, previous, workspaceUrl))
      channelId = posted.channel
      const thread: SlackThreadRef = { channel: posted.channel, ts: posted.ts }
      await conversation.save(thread)
      return { thread, opened: true }
    }

    async function sendInto(
      msg: MirrorMessage,
      opened: { thread: SlackThreadRef; opened: boolean } | undefined,
    ): Promise<SlackRef> {
      const ts: string[] = []
      let channel = opened?.thread.channel ?? options.channel
      const key = msg.idempotencyKey
      for (const [part, text] of render(msg).entries()) {
        // A new thread's first message may also show in the channel (broadcastFirst).
        const target: ThreadTarget | undefined =
          opened === undefined
            ? undefined
            : { ts: opened.thread.ts, broadcast: broadcastFirst && opened.opened && part === 0 }
        const posted = await api.post(
          channel,
          text,
          key === undefined ? undefined : mirrorTag(msg, key, part),
          target,
        )
        channel = posted.channel
        channelId = posted.channel
        ts.push(posted.ts)
      }
      const ref: SlackRef = { channel, ts }
      if (opened !== undefined) ref.thread = opened.thread.ts
      return ref
    }

    return {
      id,
      capabilities: { edit: true, delete: true, maxTextLength: limit },
      async start() {
        const who = await api.authTest()
        workspaceUrl = who.url
        context.logger.info({ team: who.team, user: who.user }, 'slack token accepted')
      },
      async send(msg, conversation) {
        try {
          return await sendInto(msg, await threadOf(msg, conversation))
        } catch (err) {
          // Someone deleted the chat's header in Slack (thread_not_found): open a new thread.
          if (!isOutputError(err) || err.reason !== 'gone' || !threads || conversation === undefined)
            throw err
          context.logger.warn(
            { chatId: msg.chatId },
            'the thread of this chat is gone in Slack; opening a new one',
          )
          return sendInto(msg, await threadOf(msg, conversation, true))
        }
      },
      recover(key, _msg, conversation) {
        const thread = threads ? readThreadRef(conversation?.ref) : undefined
        return findMirror(
          api,
          thread?.channel ?? channelId ?? options.channel,
          key,
          context.logger,
          thread?.ts,
        )
      },
      async update(ref, msg) {
        const old = readRef(ref, id)
        const parts = render(msg)
        const ts: string[] = []
        for (const [index, text] of parts.entries()) {
          const existing = old.ts[index]
          if (existing === undefined) {
            // The text grew: extra parts are posted after the existing ones (in their thread).
            const thread = old.thread === undefined ? undefined : { ts: old.thread }
            ts.push((await api.post(old.channel, text, undefined, thread)).ts)
          } else {
            await api.update(old.channel, existing, text)
            ts.push(existing)
          }
        }
        // The text shrank: the parts it no longer needs go.
        for (const surplus of old.ts.slice(parts.length)) await api.remove(old.channel, surplus)
        return old.thread === undefined
          ? ({ channel: old.channel, ts } satisfies SlackRef)
          : ({ channel: old.channel, ts, thread: old.thread } satisfies SlackRef)
      },
      async delete(ref) {
        let parts: SlackRef
        try {
          parts = readRef(ref, id)
        } catch {
          context.logger.warn({ ref }, 'no usable Slack ref; nothing to delete')
          return
        }
        for (const part of parts.ts) await api.remove(parts.channel, part)
      },
    }
  },
})
