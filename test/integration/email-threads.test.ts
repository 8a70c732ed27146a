import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import emailPlugin, { type EmailRef } from '../../plugins/email/index.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import { createPlugin } from '../support/plugin-under-test.js'
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js'
import { makeConversation, makeMessage, memoryThreads } from '../unit/plugins/make-message.js'

let sink: SmtpSink
const plugins: OutputPlugin[] = []

beforeEach(async () => {
  sink = await startSmtpSink()
})
afterEach(async () => {
  for (const plugin of plugins.splice(0)) await plugin.stop?.()
  await sink.close()
})

function create(options: Record<string, unknown> = {}): OutputPlugin {
  const plugin = createPlugin(emailPlugin, 'email.support', {
    smtp: { host: sink.host, port: sink.port },
    from: 'Open lines <bridge@example.com>',
    to: ['support@example.com'],
    ...options,
  })
  plugins.push(plugin)
  return plugin
}

const ivan = makeConversation()
const maria = makeConversation({ chatId: 2048, title: 'Maria Lopez - Support', customerName: 'Maria Lopez' })
const msg = (messageId: number, text: string, conversation = ivan, key = `key-${messageId}`) =>
  makeMessage({
    kind: 'added',
    messageId,
    chatId: conversation.chatId,
    plainText: text,
    ast: [{ type: 'text', text }],
    conversation,
    idempotencyKey: key,
  })

const headers = (i: number) => {
  const mail = sink.mails[i]!.parsed
  return {
    id: mail.header('message-id'),
    subject: mail.header('subject'),
    inReplyTo: mail.header('in-reply-to'),
    references: mail.header('references'),
  }
}

describe('email output, one mail thread per Bitrix24 chat', () => {
  it("the chat's first mail is the root; every later mail of the chat answers it with the same subject", async () => {
    const plugin = create()
    const threads = memoryThreads()
    await plugin.send(msg(1, 'hello Ivan'), threads.context(ivan.chatId))
    await plugin.send(msg(2, 'hello Maria', maria), threads.context(maria.chatId))
    const third = (await plugin.send(msg(3, 'more for Ivan'), threads.context(ivan.chatId))) as EmailRef
    const [a, b, c] = [headers(0), headers(1), headers(2)]
    expect(a).toMatchObject({ subject: 'Telegram · Line 128 · Ivan Petrov', inReplyTo: undefined })
    expect(b).toMatchObject({ subject: 'Telegram · Line 128 · Maria Lopez', inReplyTo: undefined })
    expect(c).toEqual({ id: c.id, subject: a.subject, inReplyTo: a.id, references: a.id })
    expect(threads.refs.get(ivan.chatId)).toEqual({ root: a.id, subject: a.subject })

    // An edit stays a follow-up of the message's own mail, in the same thread.
    await plugin.update(third, { ...msg(3, 'more for Ivan, edited'), kind: 'updated' })
    const edit = headers(3)
    expect(edit.subject).toBe(a.subject)
    expect(edit.inReplyTo).toBe(c.id)
    expect(edit.references).toBe(`${a.id} ${c.id}`)
  })

  it('a retried first mail (same idempotency key) is the same root, not an answer to itself', async () => {
    const plugin = create()
    const threads = memoryThreads()
    await plugin.send(msg(1, 'hello'), threads.context())
    await plugin.send(msg(1, 'hello'), threads.context())
    expect(headers(1)).toEqual(headers(0))
    expect(headers(1).inReplyTo).toBeUndefined()
  })

  it("a new session's root names the previous thread", async () => {
    const plugin = create()
    const threads = memoryThreads()
    await plugin.send(
      msg(9, 'back again'),
      threads.context(1024, { root: '<old@example.com>', subject: 'x' }),
    )
    expect(sink.mails[0]!.parsed.header('x-openline-previous-thread')).toBe('<old@example.com>')
    expect(headers(0).inReplyTo).toBeUndefined()
  })

  it('threads: false keeps one thread per message with subjectTemplate', async () => {
    const plugin = create({ threads: false })
    await plugin.send(msg(1, 'one'), memoryThreads().context())
    expect(headers(0).subject).toBe('[Open line 128 · telegrambot] Chat 1024')
  })
})
