import type { MirrorMessage } from '../../src/model.js'
import { definePlugin, type ExternalRef, isOutputError } from '../../src/plugins/api.js'
import { buildPayload, type WebhookAction } from './payload.js'
import { type PostSettings, postJson } from './post.js'
import { type WebhookOptions, webhookDefaults, webhookSchema } from './schema.js'

/** POSTs every created, edited and deleted message as signed JSON to a URL of your choice. */
export default definePlugin<WebhookOptions>({
  type: 'webhook',
  configSchema: webhookSchema,
  create(options, context) {
    const settings: PostSettings = {
      url: options.url,
      secret: options.secret,
      headers: options.headers ?? {},
      timeoutMs: options.timeoutMs ?? webhookDefaults.timeoutMs,
      fetch: context.fetch,
    }
    const includeHtml = options.includeHtml ?? webhookDefaults.includeHtml

    const deliver = async (action: WebhookAction, msg: MirrorMessage, ref: ExternalRef) => {
      const body = JSON.stringify(buildPayload(action, msg, ref, includeHtml))
      const reply = await postJson(settings, body, ref !== null, msg.idempotencyKey)
      context.logger.debug({ action, messageId: msg.messageId }, 'webhook delivered')
      return reply
    }

    return {
      id: context.id,
      capabilities: { edit: true, delete: true },
      async send(msg) {
        const reply = await deliver(msg.kind === 'deleted' ? 'deleted' : 'created', msg, null)
        return reply ? reply.ref : { id: `${msg.portal}:${msg.messageId}` }
      },
      async update(ref, msg) {
        // Without a new ref from the receiver the mirror keeps the one it has.
        const reply = await deliver(msg.kind === 'deleted' ? 'deleted' : 'updated', msg, ref ?? null)
        return reply ? reply.ref : ref
      },
      async delete(ref, msg) {
        try {
          await deliver('deleted', msg, ref ?? null)
        } catch (err) {
          // 404/410 to a deletion: the receiver has nothing to delete, which is the goal (and what a
          // retry after a lost answer sees).
          if (!isOutputError(err) || err.reason !== 'gone') throw err
        }
      },
    }
  },
})
