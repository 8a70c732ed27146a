import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import telegramPlugin from '../../plugins/telegram/index.js'
import type { TelegramRef } from '../../plugins/telegram/ref.js'
import type { MirrorMessage } from '../../src/model.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import { memoryState, type OutputState } from '../../src/plugins/api.js'
import { parseBbCode } from '../../src/render/parse-bbcode.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import { FakeTelegram } from '../support/fake-telegram.js'
import { logLines } from '../support/log-lines.js'
import { createPlugin, outputFailure } from '../support/plugin-under-test.js'
import { makeMessage } from '../unit/plugins/make-message.js'
import { loadSamples } from '../unit/render/samples.js'

const CHAT = -1001234567890
// Limits high enough that no test waits: pacing itself is unit-tested with a fake clock.
const fast = { perChatPerSecond: 10_000, perGroupPerMinute: 1_000_000, perBotPerSecond: 10_000 }
const longSample = [...loadSamples()].find(([title]) => title.startsWith('long text'))![1]

let fake: FakeTelegram

beforeEach(async () => {
  fake = await FakeTelegram.start()
})

afterEach(async () => {
  await fake.close()
})

function create(
  options: Record<string, unknown> = {},
  host: Parameters<typeof createPlugin>[3] = {},
): OutputPlugin {
  return createPlugin(
    telegramPlugin,
    'telegram.support',
    { token: fake.token, chatId: CHAT, apiRoot: fake.apiRoot, limits: fast, ...options },
    host,
  )
}

const failure = outputFailure

const added = (overrides: Partial<MirrorMessage> = {}) => makeMessage({ kind: 'added', ...overrides })
const fromBbCode = (bbcode: string, kind: MirrorMessage['kind'] = 'added') =>
  makeMessage({ ast: parseBbCode(bbcode), bbcode, kind })

describe('telegram output against a fake Bot API', () => {
  it('start() calls getMe with the token', async () => {
    await create().start!()
    expect(fake.calls.map((c) => [c.method, c.token])).toEqual([['getMe', fake.token]])
  })

  it('start() with a rejected token fails as auth, saying where to get one', async () => {
    const err = await failure(create({ token: '123:wrong' }).start!())
    expect(err.reason).toBe('auth')
    expect(err.message).toBe(
      'Telegram rejected the bot token for output telegram.support; get a token from @BotFather and set outputs["telegram.support"].token',
    )
  })

  it('sends HTML with previews off into the forum topic and returns the chat and message id', async () => {
    fake.addTopic(CHAT, 42, 'Support')
    const ref = await create({ messageThreadId: 42 }).send(added())
    expect(ref).toEqual({ chatId: CHAT, messageIds: [43] })
    expect(fake.calls.map((c) => c.method)).toEqual(['sendMessage'])
    expect(fake.bodies('sendMessage')).toEqual([
      {
        chat_id: CHAT,
        text: '<b>Anna Petrova:</b>\nHello, <b>Ivan</b>\nsee <a href="https://example.com/a?b=1&amp;c=2">the docs</a>',
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        message_thread_id: 42,
      },
    ])
    expect(fake.messages(CHAT)[0]!.text).toBe('Anna Petrova:\nHello, Ivan\nsee the docs')
  })

  it('a topic that does not exist is refused as Telegram does, and the output says which option to check', async () => {
    const err = await failure(create({ messageThreadId: 42 }).send(added()))
    expect(err.reason).toBe('gone')
    expect(err.message).toContain('message thread not found')
    expect(err.message).toContain('check outputs["telegram.support"].messageThreadId')
  })

  it('honours disablePreview: false and showAuthor: false', async () => {
    await create({ disablePreview: false, showAuthor: false }).send(added())
    expect(fake.bodies('sendMessage')[0]).toMatchObject({
      link_preview_options: { is_disabled: false },
      text: expect.stringMatching(/^Hello, /),
    })
  })

  it('edits the mirror in place with the edit marker, keeping the ref', async () => {
    const output = create()
    const ref = await output.send(added())
    const next = await output.update(ref, fromBbCode('Hello, [b]Ivan[/b] — fixed', 'updated'))
    expect(next).toEqual(ref)
    expect(fake.bodies('editMessageText')).toEqual([
      {
        chat_id: CHAT,
        message_id: 1,
        text: '<b>Anna Petrova:</b>\nHello, <b>Ivan</b> — fixed <i>(edited)</i>',
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
      },
    ])
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual(['Anna Petrova:\nHello, Ivan — fixed (edited)'])
  })

  it('treats "message is not modified" as success', async () => {
    const output = create()
    const msg = fromBbCode('same', 'updated')
    const ref = await output.update(await output.send(msg), msg)
    expect(ref).toEqual({ chatId: CHAT, messageIds: [1] })
    expect(fake.calls.map((c) => c.method)).toEqual(['sendMessage', 'editMessageText'])
  })

  it('maps an edit of a deleted mirror to gone, so the pipeline sends a new one', async () => {
    const err = await failure(create().update({ chatId: CHAT, messageIds: [99] }, fromBbCode('x', 'updated')))
    expect(err.reason).toBe('gone')
    expect(err.message).toContain('message to edit not found')
  })

  it('maps 429 to rate-limited with retry_after in milliseconds', async () => {
    fake.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      parameters: { retry_after: 7 },
    })
    const err = await failure(create().send(added()))
    expect(err.reason).toBe('rate-limited')
    expect(err.retryAfterMs).toBe(7000)
  })

  it('maps a kicked bot to invalid (not retried) with what to do', async () => {
    fake.failNext('sendMessage', {
      error_code: 403,
      description: 'Forbidden: bot was kicked from the supergroup chat',
    })
    const err = await failure(create().send(added()))
    expect(err.reason).toBe('invalid')
    expect(err.message).toContain('add it to the chat')
    expect(err.message).toContain('outputs["telegram.support"].chatId')
  })

  it('maps server errors and dropped connections to transient', async () => {
    fake.failNext('sendMessage', { error_code: 502, description: 'Bad Gateway' })
    expect((await failure(create().send(added()))).reason).toBe('transient')
    fake.failNext('sendMessage', 'network')
    const err = await failure(create().send(added()))
    expect(err.reason).toBe('transient')
    expect(err.message).not.toContain(fake.token)
  })

  it('gives up on a request after timeoutMs, as transient', async () => {
    fake.failNext('sendMessage', 'hang')
    const err = await failure(create({ timeoutMs: 200 }).send(added()))
    expect(err.reason).toBe('transient')
    expect(err.message).toContain('no answer within 200 ms')
  })

  it('splits the long sample into parts Telegram accepts, each at most 4,096 characters', async () => {
    const ref = (await create().send(fromBbCode(longSample))) as TelegramRef
    const stored = fake.messages(CHAT)
    expect(stored.length).toBeGreaterThan(5)
    expect(ref.messageIds).toEqual(stored.map((m) => m.id))
    for (const m of stored) expect(m.text.length).toBeLessThanOrEqual(4096)
    const words = stored.flatMap((m) => m.text.match(/word\d+/g) ?? [])
    expect(words).toEqual(Array.from({ length: 3000 }, (_, n) => `word${n}`))
    expect(stored.flatMap((m) => m.entities.filter((e) => e.type === 'bold'))).toHaveLength(3001)
  })

  it('edits a split mirror: extra parts are deleted when it shrinks and sent when it grows', async () => {
    const output = create()
    const long = (await output.send(fromBbCode(longSample))) as TelegramRef
    const parts = long.messageIds.length

    const short = (await output.update(long, fromBbCode('now short', 'updated'))) as TelegramRef
    expect(short).toEqual({ chatId: CHAT, messageIds: [1] })
    expect(fake.bodies('deleteMessage').map((b) => b.message_id)).toEqual(long.messageIds.slice(1))
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual(['Anna Petrova:\nnow short (edited)'])

    const again = (await output.update(short, fromBbCode(longSample, 'updated'))) as TelegramRef
    expect(again.messageIds).toHaveLength(parts)
    expect(again.messageIds[0]).toBe(1)
    expect(fake.messages(CHAT).map((m) => m.id)).toEqual(again.messageIds)
    expect(fake.messages(CHAT).at(-1)!.text).toMatch(/word2999 & <x> \(edited\)$/)
  })

  it('deletes every part of a split mirror after a failed send, so a retry does not duplicate them', async () => {
    // Two parts go through, the third fails.
    fake.failNext('sendMessage', { error_code: 500, description: 'Internal Server Error' }, { after: 2 })
    expect((await failure(create().send(fromBbCode(longSample)))).reason).toBe('transient')
    expect(fake.bodies('deleteMessage')).toEqual([
      { chat_id: CHAT, message_id: 1 },
      { chat_id: CHAT, message_id: 2 },
    ])
    expect(fake.messages(CHAT)).toEqual([])
  })

  it('deletes every part; parts already gone count as deleted', async () => {
    const output = create()
    const ref = (await output.send(fromBbCode(longSample))) as TelegramRef
    // Someone already deleted the second part by hand: Telegram says it is not found.
    await output.delete!({ chatId: CHAT, messageIds: [ref.messageIds[1]!] }, fromBbCode('', 'deleted'))
    fake.calls.length = 0
    await output.delete!(ref, fromBbCode('', 'deleted'))
    expect(fake.bodies('deleteMessage')).toEqual(
      ref.messageIds.map((id) => ({ chat_id: CHAT, message_id: id })),
    )
    expect(fake.messages(CHAT)).toEqual([])
  })

  it('strikes a deleted message through when the policy keeps it', async () => {
    const output = create()
    const ref = await output.send(added())
    const struck = makeMessage({
      kind: 'deleted',
      ast: [{ type: 'strike', children: [{ type: 'text', text: 'old' }] }],
    })
    await output.update(ref, struck)
    expect(fake.messages(CHAT)[0]!.html).toBe('<b>Anna Petrova:</b>\n<s>old</s> <i>(deleted)</i>')
  })

  it('paces itself per chat and per group: a call that would wait too long comes back rate-limited', async () => {
    // maxWaitMs 0 turns "wait for the slot" into an error that says how long, so nothing sleeps here.
    const paced = (chatId: number, limits: object) =>
      create({ chatId, limits: { ...fast, maxWaitMs: 0, ...limits } }).send(added())
    await paced(501, { perChatPerSecond: 1 })
    const perChat = await failure(paced(501, { perChatPerSecond: 1 }))
    expect(perChat.reason).toBe('rate-limited')
    expect(perChat.retryAfterMs).toBeGreaterThan(0)
    expect(perChat.retryAfterMs).toBeLessThanOrEqual(1000)
    // Another chat is not held back by the first one.
    await paced(502, { perChatPerSecond: 1 })

    await paced(-503, { perGroupPerMinute: 1 })
    const perGroup = await failure(paced(-503, { perGroupPerMinute: 1 }))
    expect(perGroup.retryAfterMs).toBeGreaterThan(1000)
    // The group limit applies to groups only (negative ids), not to a private chat.
    await paced(504, { perGroupPerMinute: 1 })
    await paced(504, { perGroupPerMinute: 1 })
    expect(fake.bodies('sendMessage').map((b) => b.chat_id)).toEqual([501, 502, -503, 504, 504])
  })

  it.each([...loadSamples()])('Telegram accepts the sample "%s"', async (_title, bbcode) => {
    const ref = (await create({ showEditedBy: true }).send(fromBbCode(bbcode, 'updated'))) as TelegramRef
    expect(ref.messageIds.length).toBeGreaterThan(0)
    expect(fake.messages(CHAT)).toHaveLength(ref.messageIds.length)
  })
})

describe('telegram: deletions after 48 hours', () => {
  const HOURS = 3600
  const deleted = (previousText: string) =>
    makeMessage({ kind: 'deleted', ast: [], plainText: '', bbcode: '', files: [], previousText })

  it('strikes the mirror through instead when Telegram refuses to delete it (bots edit at any age)', async () => {
    const output = create()
    const ref = await output.send(added())
    fake.advanceClock(49 * HOURS)
    await output.delete!(ref, deleted('Hello, Ivan\nsee the docs'))
    expect(fake.bodies('deleteMessage')).toEqual([{ chat_id: CHAT, message_id: 1 }])
    expect(fake.messages(CHAT).map((m) => m.html)).toEqual([
      '<b>Anna Petrova:</b>\n<s>Hello, Ivan\nsee the docs</s> <i>(deleted)</i>',
    ])
  })

  it('does the same in a basic group ("message can\'t be deleted for everyone")', async () => {
    const output = create({ chatId: -4518810793 })
    const ref = await output.send(added())
    fake.advanceClock(48 * HOURS)
    await output.delete!(ref, deleted('old text'))
    expect(fake.messages(-4518810793).map((m) => m.text)).toEqual(['Anna Petrova:\nold text (deleted)'])
  })

  it('still deletes a mirror younger than 48 hours', async () => {
    const output = create()
    const ref = await output.send(added())
    fake.advanceClock(47 * HOURS)
    await output.delete!(ref, deleted('Hello'))
    expect(fake.messages(CHAT)).toEqual([])
  })
})

describe('telegram: a group upgraded to a supergroup', () => {
  const GROUP = -4518810793
  const SUPER = -1001557912345
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'olb-tg-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  /** The output's state in a real SQLite store, as the bridge keeps it. */
  function storeState(path = join(dir, 'bridge.db')) {
    const store = openSqliteStore({ path })
    const state: OutputState = {
      get: (key) => store.getOutputState('telegram.support', key),
      set: (key, value) => store.setOutputState('telegram.support', key, value),
    }
    return { store, state }
  }

  it('stores the new chat id, retries at once, logs the advice once, and remembers it after a restart', async () => {
    const { logger, lines } = logLines()
    const { store, state } = storeState()
    const output = create({ chatId: GROUP }, { logger, state })
    expect(await output.send(added())).toEqual({ chatId: GROUP, messageIds: [1] })

    fake.migrateChat(GROUP, SUPER)
    expect(await output.send(added())).toEqual({ chatId: SUPER, messageIds: [2] })
    expect(await output.send(added())).toEqual({ chatId: SUPER, messageIds: [3] })
    expect(fake.bodies('sendMessage').map((b) => b.chat_id)).toEqual([GROUP, GROUP, SUPER, SUPER])
    const advice = lines().filter((l) => String(l.msg).includes('supergroup'))
    expect(advice).toHaveLength(1)
    expect(advice[0]).toMatchObject({ level: 40, chatId: GROUP, newChatId: SUPER })
    expect(advice[0]!.msg).toContain(`set outputs["telegram.support"].chatId to ${SUPER}`)
    await store.close()

    // After a restart the first send goes to the supergroup directly.
    const reopened = storeState()
    const restarted = create({ chatId: GROUP }, { state: reopened.state })
    expect(await restarted.send(added())).toEqual({ chatId: SUPER, messageIds: [4] })
    expect(
      fake
        .bodies('sendMessage')
        .map((b) => b.chat_id)
        .slice(4),
    ).toEqual([SUPER])
    await reopened.store.close()
  })

  it('an old mirror left in the group: edited in place when Telegram allows it, else gone (the pipeline sends anew), never an id in the new chat', async () => {
    const output = create({ chatId: GROUP }, { state: memoryState() })
    const old = (await output.send(fromBbCode('first'))) as TelegramRef
    const older = (await output.send(fromBbCode('second'))) as TelegramRef
    fake.migrateChat(GROUP, SUPER)
    const fresh = (await output.send(fromBbCode('third'))) as TelegramRef
    expect(fresh).toEqual({ chatId: SUPER, messageIds: [2] })

    // Refused in the old group: gone, so policy.missingOriginal decides; the supergroup's
    // message 2 (another mirror) is never touched with the old id.
    const err = await failure(output.update(older, fromBbCode('second, edited', 'updated')))
    expect(err.reason).toBe('gone')
    expect(err.message).toContain(`upgraded to the supergroup ${SUPER}`)
    expect(fake.messages(SUPER).map((m) => m.text)).toEqual(['Anna Petrova:\nthird'])
    expect(fake.bodies('editMessageText').map((b) => b.chat_id)).toEqual([GROUP])

    fake.migrateChat(GROUP, SUPER, { oldMessagesEditable: true })
    expect(await output.update(old, fromBbCode('first, edited', 'updated'))).toEqual(old)
    expect(fake.messages(GROUP)[0]!.text).toBe('Anna Petrova:\nfirst, edited (edited)')
  })

  it('deleting an old mirror in the group strikes it through, as deleting is refused there', async () => {
    const output = create({ chatId: GROUP }, { state: memoryState() })
    const ref = await output.send(fromBbCode('bye'))
    fake.migrateChat(GROUP, SUPER, { oldMessagesEditable: true })
    await output.delete!(
      ref,
      makeMessage({ kind: 'deleted', ast: [], plainText: '', bbcode: '', previousText: 'bye' }),
    )
    expect(fake.messages(GROUP).map((m) => m.text)).toEqual(['Anna Petrova:\nbye (deleted)'])
  })
})
