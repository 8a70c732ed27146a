import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import webhookPlugin from '../../plugins/webhook/index.js'
import { ErrorCodes } from '../../src/errors.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import { createPlugin, outputFailure } from '../support/plugin-under-test.js'
import { makeConversation, makeMessage } from '../unit/plugins/make-message.js'

interface Received {
  headers: IncomingHttpHeaders
  raw: string
  body: Record<string, unknown>
}

type Reply = (res: ServerResponse, req: Received) => void

let server: Server | undefined

/** A webhook receiver on loopback that records each request and answers with the next reply. */
async function receiver(...replies: Reply[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = []
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      const entry = { headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> }
      received.push(entry)
      const reply = replies.shift() ?? ((r: ServerResponse) => r.writeHead(204).end())
      reply(res, entry)
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/hooks/bitrix?token=abc`, received }
}

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

function create(options: Record<string, unknown>): OutputPlugin {
  // Through the schema, as createOutputs does, so the defaults the plugin documents apply.
  return createPlugin(webhookPlugin, 'hook.test', options)
}

const failure = outputFailure

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => {
  return (res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

describe('webhook output', () => {
  it('POSTs the message as JSON and stores a portal:message ref when the receiver gives none', async () => {
    const { url, received } = await receiver()
    const ref = await create({ url }).send(makeMessage({ kind: 'added' }))
    expect(ref).toEqual({ id: 'demo-member:2057' })
    expect(received).toHaveLength(1)
    expect(received[0]!.headers['content-type']).toBe('application/json')
    expect(received[0]!.body).toEqual({
      action: 'created',
      portal: 'demo-member',
      domain: 'demo.bitrix24.com',
      line: 128,
      connector: 'telegrambot',
      chatId: 1024,
      messageId: 2057,
      text: 'Hello, Ivan\nsee the docs (https://example.com/a?b=1&c=2)',
      bbcode: 'Hello, [b]Ivan[/b][br]see [url=https://example.com/a?b=1&c=2]the docs[/url]',
      author: { id: 7, name: 'Anna Petrova' },
      files: [],
      editedAt: '2024-05-02T11:33:52.000Z',
      ref: null,
    })
  })

  it('carries the conversation with its one-line header', async () => {
    const { url, received } = await receiver()
    await create({ url }).send(makeMessage({ kind: 'added', conversation: makeConversation() }))
    expect(received[0]!.body.conversation).toEqual({
      portal: 'demo-member',
      chatId: 1024,
      connector: 'telegrambot',
      line: 128,
      sessionId: 343,
      title: 'Ivan Petrov - Support',
      customerName: 'Ivan Petrov',
      url: 'https://demo.bitrix24.com/online/?IM_DIALOG=chat1024',
      header: 'Telegram · Line 128 · Ivan Petrov',
    })
  })

  it('signs the raw body with the secret so the receiver can verify it', async () => {
    const { url, received } = await receiver()
    await create({ url, secret: 's3cret', headers: { authorization: 'Bearer t' } }).send(makeMessage())
    const { headers, raw } = received[0]!
    const expected = `sha256=${createHmac('sha256', 's3cret').update(raw).digest('hex')}`
    expect(headers['x-openline-signature']).toBe(expected)
    expect(Number(headers['x-openline-timestamp'])).toBeGreaterThan(1_700_000_000)
    expect(headers.authorization).toBe('Bearer t')
  })

  it('sends no signature without a secret', async () => {
    const { url, received } = await receiver()
    await create({ url }).send(makeMessage())
    expect(received[0]!.headers['x-openline-signature']).toBeUndefined()
  })

  it('uses the ref the receiver answers and sends it back with the edit and the deletion', async () => {
    const { url, received } = await receiver(json(200, { ref: { ticket: 'T-9' } }))
    const plugin = create({ url, includeHtml: true })
    const ref = await plugin.send(makeMessage({ kind: 'added' }))
    expect(ref).toEqual({ ticket: 'T-9' })
    const next = await plugin.update(ref, makeMessage({ plainText: 'edited', unverified: true }))
    expect(next).toEqual({ ticket: 'T-9' })
    await plugin.delete?.(next, makeMessage({ kind: 'deleted' }))
    expect(received.map((r) => [r.body.action, r.body.ref])).toEqual([
      ['created', null],
      ['updated', { ticket: 'T-9' }],
      ['deleted', { ticket: 'T-9' }],
    ])
    expect(received[1]!.body).toMatchObject({ text: 'edited', unverified: true })
    expect(received[1]!.body.html).toBe(
      'Hello, <b>Ivan</b><br>see <a href="https://example.com/a?b=1&amp;c=2">the docs</a>',
    )
  })

  it('maps 500 to transient', async () => {
    const { url } = await receiver(json(500, { error: 'db down' }))
    const err = await failure(create({ url }).send(makeMessage()))
    expect(err.reason).toBe('transient')
    expect(err.code).toBe(ErrorCodes.OUTPUT_TRANSIENT)
    expect(err.message).toContain('db down')
    // The URL's path and query may hold a token; errors name the host only.
    expect(err.message).not.toContain('token=abc')
  })

  it('maps 429 with Retry-After in seconds to rate-limited', async () => {
    const { url } = await receiver(json(429, {}, { 'retry-after': '7' }))
    const err = await failure(create({ url }).send(makeMessage()))
    expect(err.reason).toBe('rate-limited')
    expect(err.retryAfterMs).toBe(7000)
  })

  it('maps 404 on update to gone, but on create to invalid', async () => {
    const { url } = await receiver(json(404, {}), json(404, {}))
    const plugin = create({ url })
    expect((await failure(plugin.update({ id: 'x' }, makeMessage()))).reason).toBe('gone')
    expect((await failure(plugin.send(makeMessage()))).reason).toBe('invalid')
  })

  it('treats 404 to a deletion as done: there is nothing left to delete', async () => {
    const { url, received } = await receiver(json(404, {}))
    await expect(
      create({ url }).delete?.({ id: 'x' }, makeMessage({ kind: 'deleted' })),
    ).resolves.toBeUndefined()
    expect(received).toHaveLength(1)
  })

  it('maps 401 to auth and other 4xx to invalid', async () => {
    const { url } = await receiver(json(401, {}), json(422, { error: 'bad' }))
    const plugin = create({ url })
    expect((await failure(plugin.send(makeMessage()))).reason).toBe('auth')
    expect((await failure(plugin.send(makeMessage()))).reason).toBe('invalid')
  })

  it('gives up on a receiver that does not answer in time, as transient', async () => {
    const { url } = await receiver(() => {
      // never answer
    })
    const err = await failure(create({ url, timeoutMs: 200 }).send(makeMessage()))
    expect(err.reason).toBe('transient')
    expect(err.message).toContain('no answer within 200 ms')
  })

  it('treats a refused connection as transient', async () => {
    const { url } = await receiver()
    await new Promise((resolve) => server!.close(resolve))
    server = undefined
    const err = await failure(create({ url }).send(makeMessage()))
    expect(err.reason).toBe('transient')
  })
})
