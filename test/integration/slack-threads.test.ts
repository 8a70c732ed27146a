import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import slackPlugin from '../../plugins/slack/index.js'
import type { SlackRef } from '../../plugins/slack/ref.js'
import { addEvent } from '../../src/demo/event-bodies.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import { eventually, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js'
import { createPlugin } from '../support/plugin-under-test.js'
import { makeConversation, makeMessage, memoryThreads } from '../unit/plugins/make-message.js'

let slack: FakeSlack

beforeEach(async () => {
  slack = await startFakeSlack({ token: 'xoxb-good', channels: [{ id: 'C0SUPPORT', name: 'support' }] })
})
afterEach(async () => {
  await slack.close()
})

function create(options: Record<string, unknown> = {}): OutputPlugin {
  return createPlugin(slackPlugin, 'slack.support', {
    token: 'xoxb-good',
    channel: '#support',
    apiUrl: slack.apiUrl,
    ratePerSecond: 1000,
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

describe('the fake Slack keeps threads as Slack does', () => {
  it('refuses a reply whose parent does not exist (thread_not_found) or is malformed (invalid_thread_ts)', async () => {
    const api = `${slack.apiUrl}chat.postMessage`
    const post = async (body: Record<string, string>) =>
      (await (
        await fetch(api, {
          method: 'POST',
          headers: { authorization: 'Bearer xoxb-good', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ channel: 'C0SUPPORT', text: 'hi', ...body }),
        })
      ).json()) as { ok: boolean; error?: string; ts?: string }
    expect(await post({ thread_ts: '1714649632.999999' })).toEqual({ ok: false, error: 'thread_not_found' })
    expect(await post({ thread_ts: 'yesterday' })).toEqual({ ok: false, error: 'invalid_thread_ts' })
    const parent = await post({})
    const reply = await post({ thread_ts: parent.ts! })
    expect(reply.ok).toBe(true)
    // A reply cannot itself be a parent, and it is not in the channel's history.
    expect(await post({ thread_ts: reply.ts! })).toEqual({ ok: false, error: 'thread_not_found' })
    expect(slack.messages('C0SUPPORT').map((m) => m.threadTs)).toEqual([undefined, parent.ts])
  })
})

describe('slack output, one thread per Bitrix24 chat', () => {
  it("posts a header on a chat's first message and replies in its thread; another chat gets its own", async () => {
    const plugin = create()
    await plugin.start?.()
    const threads = memoryThreads()
    const a1 = (await plugin.send(msg(1, 'hello Ivan'), threads.context(ivan.chatId))) as SlackRef
    const b1 = (await plugin.send(msg(2, 'hello Maria', maria), threads.context(maria.chatId))) as SlackRef
    const a2 = (await plugin.send(msg(3, 'more for Ivan'), threads.context(ivan.chatId))) as SlackRef
    const all = slack.messages('C0SUPPORT')
    const headers = all.filter((m) => m.threadTs === undefined)
    expect(headers.map((m) => m.text)).toEqual([
      '*<https://demo.bitrix24.com/online/?IM_DIALOG=chat1024|Telegram · Line 128 · Ivan Petrov>*\n_Ivan Petrov - Support_',
      '*<https://demo.bitrix24.com/online/?IM_DIALOG=chat1024|Telegram · Line 128 · Maria Lopez>*\n_Maria Lopez - Support_',
    ])
    expect(a1.thread).toBe(headers[0]?.ts)
    expect(a2.thread).toBe(headers[0]?.ts)
    expect(b1.thread).toBe(headers[1]?.ts)
    expect(threads.refs.get(ivan.chatId)).toEqual({ channel: 'C0SUPPORT', ts: headers[0]?.ts })
    const replies = (ts: string | undefined) => all.filter((m) => m.threadTs === ts).map((m) => m.text)
    expect(replies(headers[0]?.ts)).toEqual(['*Anna Petrova:*\nhello Ivan', '*Anna Petrova:*\nmore for Ivan'])
    expect(replies(headers[1]?.ts)).toEqual(['*Anna Petrova:*\nhello Maria'])
    // No reply shows in the channel itself.
    expect(slack.callsTo('chat.postMessage').every((c) => c.body.reply_broadcast !== 'true')).toBe(true)
  })

  it('broadcastFirst also shows the first message of a thread in the channel', async () => {
    const plugin = create({ broadcastFirst: true })
    const threads = memoryThreads()
    await plugin.send(msg(1, 'first'), threads.context())
    await plugin.send(msg(2, 'second'), threads.context())
    const posts = slack
      .callsTo('chat.postMessage')
      .map((c) => [c.body.thread_ts === undefined, c.body.reply_broadcast])
    expect(posts).toEqual([
      [true, undefined],
      [false, 'true'],
      [false, 'false'],
    ])
  })

  it('edits and deletes thread replies in place', async () => {
    const plugin = create()
    const threads = memoryThreads()
    const ref = (await plugin.send(msg(1, 'typo'), threads.context())) as SlackRef
    const edited = (await plugin.update(ref, { ...msg(1, 'fixed'), kind: 'updated' })) as SlackRef
    expect(edited).toEqual(ref)
    expect(slack.messages('C0SUPPORT').find((m) => m.ts === ref.ts[0])).toMatchObject({
      text: '*Anna Petrova:*\nfixed _(edited)_',
      edited: true,
      threadTs: ref.thread,
    })
    await plugin.delete?.(edited, { ...msg(1, ''), kind: 'deleted' })
    expect(slack.messages('C0SUPPORT').map((m) => m.ts)).toEqual([ref.thread])
  })

  it("opens a new thread when the chat's header was deleted in Slack (thread_not_found)", async () => {
    const plugin = create()
    const threads = memoryThreads()
    const first = (await plugin.send(msg(1, 'one'), threads.context())) as SlackRef
    slack.removeMessage('C0SUPPORT', first.thread!)
    const second = (await plugin.send(msg(2, 'two'), threads.context())) as SlackRef
    expect(slack.callsTo('chat.postMessage').map((c) => c.answer)).toEqual([
      'ok',
      'ok',
      'thread_not_found',
      'ok',
      'ok',
    ])
    expect(second.thread).not.toBe(first.thread)
    expect(threads.refs.get(1024)).toEqual({ channel: 'C0SUPPORT', ts: second.thread })
  })

  it('links a new session back to the previous thread', async () => {
    const plugin = create()
    await plugin.start?.()
    const threads = memoryThreads()
    await plugin.send(
      msg(1, 'first visit'),
      threads.context(1024, { channel: 'C0SUPPORT', ts: '1714649632.000042' }),
    )
    expect(slack.messages('C0SUPPORT')[0]?.text).toContain(
      '<https://demo.slack.com/archives/C0SUPPORT/p1714649632000042|Previous session>',
    )
  })

  it('threads: false posts every message top-level, as before', async () => {
    const plugin = create({ threads: false })
    const threads = memoryThreads()
    const ref = (await plugin.send(msg(1, 'flat'), threads.context())) as SlackRef
    expect(ref.thread).toBeUndefined()
    expect(slack.messages('C0SUPPORT').map((m) => [m.threadTs, m.text])).toEqual([
      [undefined, '*Anna Petrova:*\nflat'],
    ])
    expect(threads.refs.size).toBe(0)
  })

  it('recover finds a thread reply through conversations.replies', async () => {
    const plugin = create()
    const threads = memoryThreads()
    const sent = (await plugin.send(
      { ...msg(1, 'crash after this'), idempotencyKey: 'key-1' },
      threads.context(),
    )) as SlackRef
    const found = await plugin.recover?.('key-1', msg(1, 'crash after this'), threads.context())
    expect(found).toEqual(sent)
    expect(slack.callsTo('conversations.replies')).toHaveLength(1)
  })
})

describe('three customers at once through the whole bridge', () => {
  it('3 chats × 20 interleaved messages, outputConcurrency 4: three threads, each in Bitrix24 order', async () => {
    const names = ['Ivan Petrov', 'Maria Lopez', 'Kenji Sato']
    const bridge = await startBridge({
      outputs: {
        'slack.support': {
          type: 'slack',
          token: 'xoxb-good',
          channel: '#support',
          apiUrl: slack.apiUrl,
          ratePerSecond: 1000,
          burst: 100,
        },
      },
      pipeline: { outputConcurrency: 4 },
    })
    try {
      names.forEach((name, c) => {
        bridge.portal.setChat({
          chatId: 701 + c,
          title: `${name} - Support`,
          connector: 'telegrambot',
          line: 128,
          sessionId: 90 + c,
        })
      })
      const ids: Array<{ chatId: number; messageId: number }> = []
      for (let i = 0; i < 20; i++)
        for (let c = 0; c < 3; c++) ids.push({ chatId: 701 + c, messageId: 3000 + i * 3 + c })
      for (const m of ids)
        bridge.portal.setMessage({ id: m.messageId, chatId: m.chatId, authorId: 7, text: `m${m.messageId}` })
      const shuffled = [...ids].sort(() => Math.random() - 0.5)
      const posted = await Promise.all(
        shuffled.map((m) =>
          bridge.post(addEvent(fixturePortal, { ...m, text: `m${m.messageId}` }, { ts: 2000 + m.messageId })),
        ),
      )
      expect(posted.every((p) => p.status === 200)).toBe(true)
      bridge.app.pipeline.start()
      await eventually(() => slack.messages('C0SUPPORT').length === 63, '3 headers and 60 replies', 60_000)
      const all = slack.messages('C0SUPPORT')
      const headers = all.filter((m) => m.threadTs === undefined)
      expect(headers.map((h) => /· (\w+ \w+)>/.exec(h.text)?.[1]).sort()).toEqual([...names].sort())
      for (const header of headers) {
        const chatId = 701 + names.findIndex((n) => header.text.includes(n))
        const expected = ids.filter((m) => m.chatId === chatId).map((m) => `m${m.messageId}`)
        expect(all.filter((m) => m.threadTs === header.ts).map((m) => m.text)).toEqual(expected)
      }
    } finally {
      await bridge.close()
    }
  }, 90_000)
})
