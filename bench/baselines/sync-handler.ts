import { timingSafeEqual } from 'node:crypto'
import Fastify from 'fastify'
import qs from 'qs'

export interface SyncHandler {
  url: string
  close(): Promise<void>
}

export interface SyncHandlerOptions {
  /** Incoming webhook base of the portal, ending in `/`. */
  webhookUrl: string
  applicationToken: string
  /** Where mirrors go (the same Slack-like fake output the bridge posts to). */
  outputUrl: string
}

interface EventBody {
  auth?: { application_token?: string }
  data?: { DATA?: Array<{ im?: { chat_id?: string; message_id?: string } }> }
}

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * What a user writes by hand when they need "mirror edited open-line messages to Slack" today: a
 * fastify route that parses the form, checks the application token, reads each edited message
 * with `im.dialog.messages.get`, posts it to the output, and then answers 200. Any failure is
 * answered 500 — and Bitrix24 never resends, so that edit is lost. It is idiomatic and correct as
 * far as it goes; what it lacks is a queue, batching and a client-side rate limiter.
 */
export async function startSyncHandler(options: SyncHandlerOptions): Promise<SyncHandler> {
  const app = Fastify({ logger: false })
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body: string, done) => done(null, qs.parse(body, { depth: 8 })),
  )

  async function mirror(chatId: string, messageId: string): Promise<void> {
    const read = await fetch(`${options.webhookUrl}im.dialog.messages.get`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: qs.stringify({ DIALOG_ID: `chat${chatId}`, LAST_ID: Number(messageId) + 1, LIMIT: 1 }),
    })
    const reply = (await read.json()) as {
      result?: { messages?: Array<{ id: number; text: string }> }
      error?: string
    }
    const message = reply.result?.messages?.[0]
    if (!read.ok || message === undefined)
      throw new Error(`Bitrix24 said ${read.status} ${reply.error ?? ''}`)
    const post = await fetch(`${options.outputUrl}/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messageId: message.id, text: message.text.replace(/\[\/?b\]/g, '') }),
    })
    if (!post.ok) throw new Error(`output said ${post.status}`)
  }

  app.post('/bitrix/events', async (request, reply) => {
    const body = request.body as EventBody
    if (!same(body.auth?.application_token ?? '', options.applicationToken)) {
      return reply.code(401).send({ error: 'bad token' })
    }
    try {
      for (const item of body.data?.DATA ?? []) {
        await mirror(item.im?.chat_id ?? '', item.im?.message_id ?? '')
      }
      return { ok: true }
    } catch (err) {
      return reply.code(500).send({ error: String(err) })
    }
  })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `${address}/bitrix/events`, close: () => app.close() }
}
