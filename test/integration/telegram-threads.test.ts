import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import telegramPlugin from '../../plugins/telegram/index.js'
import type { TelegramRef } from '../../plugins/telegram/ref.js'
import { addEvent } from '../../src/demo/event-bodies.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import { eventually, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { FakeTelegram } from '../support/fake-telegram.js'
import { createPlugin, outputFailure } from '../support/plugin-under-test.js'
import { makeConversation, makeMessage, memoryThreads } from '../unit/plugins/make-message.js'

const CHAT = -1001234567890
const fast = { perChatPerSecond: 10_000, perGroupPerMinute: 1_000_000, perBotPerSecond: 10_000 }
let fake: FakeTelegram

beforeEach(async () => {
  fake = await FakeTelegram.start()
})
afterEach(async () => {
  await fake.close()
})

function create(options: Record<string, unknown> = {}): OutputPlugin {
  return createPlugin(telegramPlugin, 'telegram.support', {
    token: fake.token,
    chatId: CHAT,
    apiRoot: fake.apiRoot,
    limits: fast,
    showAuthor: false,
    ...options,
  })
}

const ivan = makeConversation()
const maria = makeConversation({ chatId: 2048, title: 'Maria Lopez - Support', customerName: 'Maria Lopez' })
const msg = (messageId: number, text: string, conversation = ivan) =>
  makeMessage({
    kind: 'added',
    messageId,
    chatId: conversation.chatId,
    plainText: text,
    ast: [{ type: 'text', text }],
    bbcode: text,
    conversation,
  })

async function call(method: string, body: Record<string, unknown>) {
  const res = await fetch(`${fake.apiRoot}/bot${fake.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return (await res.json()) as { ok: boolean; description?: string; result?: { message_thread_id?: number } }
}

describe('the fake Bot API keeps topics and replies as Telegram does', () => {
  it('topics only in a forum, message_thread_id and reply_parameters must name what exists', async () => {
    expect(await call('createForumTopic', { chat_id: CHAT, name: 'x' })).toMatchObject({
      ok: false,
      description: 'Bad Request: the chat is not a forum',
    })
    expect(await call('sendMessage', { chat_id: CHAT, text: 'hi', message_thread_id: 5 })).toMatchObject({
      ok: false,
      description: 'Bad Request: message thread not found',
    })
    expect(
      await call('sendMessage', { chat_id: CHAT, text: 'hi', reply_parameters: { message_id: 9 } }),
    ).toMatchObject({
      ok: false,
      description: 'Bad Request: message to be replied not found',
    })
    fake.makeForum(CHAT)
    const topic = await call('createForumTopic', { chat_id: CHAT, name: 'Support' })
    expect(topic.result?.message_thread_id).toBe(1)
    expect(await call('sendMessage', { chat_id: CHAT, text: 'hi', message_thread_id: 1 })).toMatchObject({
      ok: true,
    })
  })
})

describe('telegram output, one thread per Bitrix24 chat', () => {
  it('replies (the default): a header message per chat, every message replies to it', async () => {
    const plugin = create()
    const threads = memoryThreads()
    const a1 = (await plugin.send(msg(1, 'hello Ivan'), threads.context(ivan.chatId))) as TelegramRef
    const b1 = (await plugin.send(msg(2, 'hello Maria', maria), threads.context(maria.chatId))) as TelegramRef
    const a2 = (await plugin.send(msg(3, 'more for Ivan'), threads.context(ivan.chatId))) as TelegramRef
    const all = fake.messages(CHAT)
    expect(all.map((m) => [m.id, m.replyTo, m.text])).toEqual([
      [1, undefined, 'Telegram · Line 128 · Ivan Petrov\nIvan Petrov - Support'],
      [2, 1, 'hello Ivan'],
      [3, undefined, 'Telegram · Line 128 · Maria Lopez\nMaria Lopez - Support'],
      [4, 3, 'hello Maria'],
      [5, 1, 'more for Ivan'],
    ])
    expect(all[0]?.html).toContain('<a href="https://demo.bitrix24.com/online/?IM_DIALOG=chat1024">')
    expect([a1.replyTo, b1.replyTo, a2.replyTo]).toEqual([1, 3, 1])
    expect(threads.refs.get(ivan.chatId)).toEqual({ headerId: 1 })
  })

  it('topics: one forum topic per chat, named from the header; renamed when the title changes', async () => {
    fake.makeForum(CHAT)
    const plugin = create({ threads: 'topics' })
    const threads = memoryThreads()
    const a1 = (await plugin.send(msg(1, 'hello Ivan'), threads.context(ivan.chatId))) as TelegramRef
    await plugin.send(msg(2, 'hello Maria', maria), threads.context(maria.chatId))
    await plugin.send(msg(3, 'more for Ivan'), threads.context(ivan.chatId))
    expect(fake.topics(CHAT).map((t) => t.name)).toEqual([
      'Telegram · Line 128 · Ivan Petrov',
      'Telegram · Line 128 · Maria Lopez',
    ])
    const [ivanTopic, mariaTopic] = fake.topics(CHAT).map((t) => t.id)
    const inTopic = (topic: number | undefined) =>
      fake
        .messages(CHAT)
        .filter((m) => m.topicId === topic)
        .map((m) => m.text)
    expect(inTopic(ivanTopic)).toEqual([
      'Telegram · Line 128 · Ivan Petrov\nIvan Petrov - Support',
      'hello Ivan',
      'more for Ivan',
    ])
    expect(inTopic(mariaTopic)).toEqual([
      'Telegram · Line 128 · Maria Lopez\nMaria Lopez - Support',
      'hello Maria',
    ])
    expect(a1.topicId).toBe(ivanTopic)

    // The customer's name became known: the topic is renamed.
    const renamed = makeConversation({ customerName: 'Ivan P. Petrov' })
    await plugin.send(msg(4, 'renamed', renamed), threads.context(ivan.chatId))
    expect(fake.bodies('editForumTopic')).toEqual([
      { chat_id: CHAT, message_thread_id: ivanTopic, name: 'Telegram · Line 128 · Ivan P. Petrov' },
    ])
    expect(fake.topics(CHAT)[0]?.name).toBe('Telegram · Line 128 · Ivan P. Petrov')
  })

  it('topics: a new session opens a new topic that links back, and closes the previous one', async () => {
    fake.makeForum(CHAT)
    const plugin = create({ threads: 'topics' })
    const threads = memoryThreads()
    await plugin.send(msg(1, 'first visit'), threads.context())
    const old = threads.refs.get(1024) as { topicId: number; headerId: number }
    threads.refs.delete(1024)
    await plugin.send(
      msg(5, 'second visit', makeConversation({ sessionId: 344 })),
      threads.context(1024, old),
    )
    const [first, second] = fake.topics(CHAT)
    expect(first).toMatchObject({ id: old.topicId, closed: true })
    expect(second?.closed).toBe(false)
    const header = fake.messages(CHAT).find((m) => m.topicId === second?.id)
    expect(header?.html).toContain(
      `<a href="https://t.me/c/1234567890/${old.topicId}/${old.headerId}">Previous session</a>`,
    )
  })

  it('topics in a chat that is not a forum: refused, saying what to change', async () => {
    const err = await outputFailure(
      create({ threads: 'topics' }).send(msg(1, 'x'), memoryThreads().context()),
    )
    expect(err.reason).toBe('invalid')
    expect(err.message).toContain('the chat is not a forum')
    expect(err.message).toContain('threads to replies')
  })

  it("opens a new topic when the chat's topic was deleted (message thread not found)", async () => {
    fake.makeForum(CHAT)
    const plugin = create({ threads: 'topics' })
    const threads = memoryThreads()
    const first = (await plugin.send(msg(1, 'one'), threads.context())) as TelegramRef
    fake.deleteTopic(CHAT, first.topicId!)
    const second = (await plugin.send(msg(2, 'two'), threads.context())) as TelegramRef
    expect(second.topicId).not.toBe(first.topicId)
    expect(fake.topics(CHAT).map((t) => t.id)).toEqual([second.topicId])
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual([
      'Telegram · Line 128 · Ivan Petrov\nIvan Petrov - Support',
      'two',
    ])
  })

  it('edits and deletes thread messages in place; a grown text continues in the same topic', async () => {
    fake.makeForum(CHAT)
    const plugin = create({ threads: 'topics' })
    const threads = memoryThreads()
    const ref = (await plugin.send(msg(1, 'short'), threads.context())) as TelegramRef
    const long = 'word '.repeat(1200).trim()
    const grown = (await plugin.update(ref, { ...msg(1, long), kind: 'updated' })) as TelegramRef
    expect(grown.messageIds).toHaveLength(2)
    expect(fake.messages(CHAT).filter((m) => m.topicId === ref.topicId)).toHaveLength(3)
    await plugin.delete?.(grown, { ...msg(1, ''), kind: 'deleted' })
    expect(fake.messages(CHAT)).toHaveLength(1)
  })

  it('none: every message stands alone, as before', async () => {
    const plugin = create({ threads: 'none' })
    const threads = memoryThreads()
    await plugin.send(msg(1, 'flat'), threads.context())
    expect(fake.messages(CHAT).map((m) => [m.replyTo, m.topicId, m.text])).toEqual([
      [undefined, undefined, 'flat'],
    ])
    expect(threads.refs.size).toBe(0)
  })
})

describe('three customers at once through the whole bridge', () => {
  it('3 chats × 20 interleaved messages, topics, outputConcurrency 4: three topics, each in Bitrix24 order', async () => {
    fake.makeForum(CHAT)
    const names = ['Ivan Petrov', 'Maria Lopez', 'Kenji Sato']
    const bridge = await startBridge({
      outputs: {
        'telegram.support': {
          type: 'telegram',
          token: fake.token,
          chatId: CHAT,
          apiRoot: fake.apiRoot,
          limits: fast,
          showAuthor: false,
          threads: 'topics',
        },
      },
      pipeline: { outputConcurrency: 4 },
    })
    try {
      names.forEach((name, c) => {
        bridge.portal.setChat({
          chatId: 801 + c,
          title: `${name} - Support`,
          connector: 'telegrambot',
          line: 128,
          sessionId: 70 + c,
        })
      })
      const ids: Array<{ chatId: number; messageId: number }> = []
      for (let i = 0; i < 20; i++)
        for (let c = 0; c < 3; c++) ids.push({ chatId: 801 + c, messageId: 5000 + i * 3 + c })
      for (const m of ids)
        bridge.portal.setMessage({ id: m.messageId, chatId: m.chatId, authorId: 7, text: `m${m.messageId}` })
      const shuffled = [...ids].sort(() => Math.random() - 0.5)
      const posted = await Promise.all(
        shuffled.map((m) =>
          bridge.post(addEvent(fixturePortal, { ...m, text: `m${m.messageId}` }, { ts: 3000 + m.messageId })),
        ),
      )
      expect(posted.every((p) => p.status === 200)).toBe(true)
      bridge.app.pipeline.start()
      await eventually(() => fake.messages(CHAT).length === 63, '3 headers and 60 messages', 60_000)
      const topics = fake.topics(CHAT)
      expect(topics.map((t) => t.name).sort()).toEqual(names.map((n) => `Telegram · Line 128 · ${n}`).sort())
      for (const topic of topics) {
        const chatId = 801 + names.findIndex((n) => topic.name.endsWith(n))
        const expected = ids.filter((m) => m.chatId === chatId).map((m) => `m${m.messageId}`)
        const inTopic = fake
          .messages(CHAT)
          .filter((m) => m.topicId === topic.id)
          .map((m) => m.text)
        expect(inTopic.slice(1)).toEqual(expected)
      }
    } finally {
      await bridge.close()
    }
  }, 90_000)
})
