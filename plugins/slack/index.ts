import type { MirrorMessage } from '../../src/model.js'
import { definePlugin } from '../../src/plugins/api.js'
import { type FormatSettings, formatParts } from './format.js'
import { findMirror, mirrorTag } from './recover.js'
import { readRef, type SlackRef } from './ref.js'
import { type SlackOptions, slackDefaults, slackSchema } from './schema.js'
import { createSlackApi } from './slack-api.js'

export type { SlackRef } from './ref.js'

/**
 * Mirrors messages into a Slack channel and edits them in place. A text longer than one Slack
 * message is posted as several parts; the ref keeps every part so edits and deletions reach all.
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

    return {
      id,
      capabilities: { edit: true, delete: true, maxTextLength: limit },
      async start() {
        const who = await api.authTest()
        context.logger.info({ team: who.team, user: who.user }, 'slack token accepted')
      },
      async send(msg) {
        const ts: string[] = []
        let channel = options.channel
        const key = msg.idempotencyKey
        for (const [part, text] of render(msg).entries()) {
          const posted = await api.post(
            channel,
            text,
            key === undefined ? undefined : mirrorTag(msg, key, part),
          )
          channel = posted.channel
          channelId = posted.channel
          ts.push(posted.ts)
        }
        return { channel, ts } satisfies SlackRef
      },
      recover(key) {
        return findMirror(api, channelId ?? options.channel, key, context.logger)
      },
      async update(ref, msg) {
        const old = readRef(ref, id)
        const parts = render(msg)
        const ts: string[] = []
        for (const [index, text] of parts.entries()) {
          const existing = old.ts[index]
          if (existing === undefined) {
            // The text grew: extra parts are posted to the channel, after the existing ones.
            ts.push((await api.post(old.channel, text)).ts)
          } else {
            await api.update(old.channel, existing, text)
            ts.push(existing)
          }
        }
        // The text shrank: the parts it no longer needs go.
        for (const surplus of old.ts.slice(parts.length)) await api.remove(old.channel, surplus)
        return { channel: old.channel, ts } satisfies SlackRef
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
