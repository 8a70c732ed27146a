import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addEvent, updateEvent } from '../../src/demo/event-bodies.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import type { SqliteStore } from '../../src/store/sqlite/open-sqlite-store.js'
import { type Bridge, eventually, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { type FakePortal, FakeRestError, startFakePortal } from '../support/fake-portal.js'
import { type RecordedCall, threadRecorder } from '../support/thread-recorder.js'

let portal: FakePortal
let dir: string
const bridges: Bridge[] = []

beforeEach(async () => {
  portal = await startFakePortal()
  dir = await mkdtemp(join(tmpdir(), 'olb-conv-'))
})
afterEach(async () => {
  for (const bridge of bridges.splice(0)) await bridge.close()
  await portal.close()
  await rm(dir, { recursive: true, force: true })
})

const customers = ['Ivan Petrov', 'Maria Lopez', 'Kenji Sato']

function describeChats() {
  customers.forEach((name, c) => {
    portal.setChat({
      chatId: 501 + c,
      title: `${name} - Support`,
      connector: 'telegrambot',
      line: 128,
      sessionId: 40 + c,
    })
  })
}

async function bridge(plugins: Record<string, OutputPlugin>, pipeline: Record<string, unknown> = {}) {
  const outputs = Object.fromEntries(Object.keys(plugins).map((id) => [id, { type: 'console' }]))
  const b = await startBridge({
    outputs,
    portal,
    dbPath: join(dir, 'bridge.db'),
    plugins: new Map(Object.entries(plugins)),
    pipeline,
  })
  bridges.push(b)
  return b
}

const add = (chatId: number, messageId: number, text: string) =>
  addEvent(fixturePortal, { chatId, messageId, text }, { ts: 1000 + messageId })

/** The send calls grouped by thread, each as the message ids it received in order. */
function threads(calls: RecordedCall[]): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const call of calls.filter((c) => c.op === 'send')) {
    const list = out.get(call.thread ?? '-') ?? []
    list.push(call.messageId)
    out.set(call.thread ?? '-', list)
  }
  return out
}

describe('one thread per chat, in Bitrix24 order', () => {
  it('3 chats × 20 interleaved messages posted concurrently land in three threads, each in order', async () => {
    describeChats()
    const ids: Array<{ chatId: number; messageId: number }> = []
    for (let i = 0; i < 20; i++) {
      for (let c = 0; c < 3; c++) ids.push({ chatId: 501 + c, messageId: 1000 + i * 3 + c })
    }
    for (const { chatId, messageId } of ids) {
      portal.setMessage({ id: messageId, chatId, authorId: 7, text: `m${messageId}` })
    }
    const threaded: RecordedCall[] = []
    const plain: RecordedCall[] = []
    const jitter = () => Math.floor(Math.random() * 4)
    const b = await bridge(
      {
        'threads.out': threadRecorder('threads.out', threaded, { delayMs: jitter }),
        'plain.out': threadRecorder('plain.out', plain, { threads: false, delayMs: jitter }),
      },
      { outputConcurrency: 4 },
    )
    // Every event is posted at once, in a shuffled order (later messages often first).
    const shuffled = [...ids].sort(() => Math.random() - 0.5)
    const answers = await Promise.all(
      shuffled.map((m) => b.post(add(m.chatId, m.messageId, `m${m.messageId}`))),
    )
    expect(answers.every((a) => a.status === 200)).toBe(true)
    b.app.pipeline.start()
    await eventually(() => threaded.length === 60 && plain.length === 60, '60 sends on each output', 60_000)

    const byThread = threads(threaded)
    expect(byThread.size).toBe(3)
    for (const [thread, list] of byThread) {
      const chatId = Number(/chat(\d+)$/.exec(thread)?.[1])
      const expected = ids.filter((m) => m.chatId === chatId).map((m) => m.messageId)
      expect(list).toEqual(expected)
    }
    // The plugin that ignores conversations gets each chat's messages in order too.
    for (let c = 0; c < 3; c++) {
      const expected = ids.filter((m) => m.chatId === 501 + c).map((m) => m.messageId)
      expect(plain.filter((call) => call.chatId === 501 + c).map((call) => call.messageId)).toEqual(expected)
    }
    expect(plain.every((call) => call.thread === undefined)).toBe(true)
  }, 90_000)

  it('an add that arrives before the add of an earlier message waits for it: one mirror each, in order', async () => {
    describeChats()
    portal.setMessage({ id: 2001, chatId: 501, authorId: 7, text: 'first' })
    portal.setMessage({ id: 2002, chatId: 501, authorId: 7, text: 'second' })
    const calls: RecordedCall[] = []
    const b = await bridge({ 'threads.out': threadRecorder('threads.out', calls) })
    expect((await b.post(add(501, 2002, 'second'))).status).toBe(200)
    expect((await b.post(add(501, 2001, 'first'))).status).toBe(200)
    await b.drain()
    expect(calls.map((c) => [c.op, c.messageId])).toEqual([
      ['send', 2001],
      ['send', 2002],
    ])
    expect(new Set(calls.map((c) => c.thread)).size).toBe(1)
  })

  it('an edit that arrives before its add waits for the add instead of making a second mirror', async () => {
    describeChats()
    const now = new Date().toISOString()
    portal.setMessage({ id: 3001, chatId: 502, authorId: 7, text: 'hello', date: now })
    portal.setMessage({ id: 3002, chatId: 502, authorId: 7, text: 'edited before its add', date: now })
    const calls: RecordedCall[] = []
    const b = await bridge({ 'threads.out': threadRecorder('threads.out', calls) }, { orderWaitMs: 30_000 })
    b.app.pipeline.start()
    await b.post(updateEvent(fixturePortal, [{ chatId: 502, messageId: 3002 }], { ts: 1500 }))
    const db = (b.app.store as SqliteStore).database
    await eventually(
      () =>
        db.prepare("SELECT 1 FROM jobs WHERE queue = 'deliver' AND last_error LIKE 'edit waits%'").get() !==
        undefined,
      'the edit delivery to wait for its add',
    )
    expect(calls).toEqual([])
    await b.post(add(502, 3001, 'hello'))
    await b.post(add(502, 3002, 'edited before its add'))
    await eventually(() => calls.length >= 2, 'two sends')
    await b.app.pipeline.stop()
    expect(calls.map((c) => [c.op, c.messageId, c.text])).toEqual([
      ['send', 3001, 'hello'],
      ['send', 3002, 'edited before its add'],
    ])
  })

  it('an earlier message that cannot be read holds its chat only for orderWaitMs', async () => {
    describeChats()
    // Message 4001's read keeps failing with a retryable error; 4002 reads fine.
    portal.handle('im.dialog.messages.get', (params) => {
      if (Number(params.LAST_ID) === 4002) {
        throw new FakeRestError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.')
      }
      const message = {
        id: 4002,
        chat_id: 503,
        author_id: 7,
        date: '2024-05-02T11:00:00+00:00',
        text: 'goes on',
        params: {},
      }
      return { chat_id: 503, messages: [message], users: [], files: [] }
    })
    const calls: RecordedCall[] = []
    const b = await bridge(
      { 'threads.out': threadRecorder('threads.out', calls) },
      { orderWaitMs: 300, maxAttempts: 1000, backoffBaseMs: 60_000, backoffMaxMs: 60_000 },
    )
    await b.post(add(503, 4001, 'lost'))
    await b.post(add(503, 4002, 'goes on'))
    await b.drain()
    expect(calls.map((c) => [c.op, c.messageId])).toEqual([['send', 4002]])
    // 4001 is still waiting for its retry: 4002 went on because the wait ran out, not because 4001 ended.
    expect((await b.app.store.stats('fetch')).pending).toBe(1)
  })
})

describe('threads across restarts and sessions', () => {
  it('a restart between the first and second message of a chat keeps the thread', async () => {
    describeChats()
    portal.setMessage({ id: 5001, chatId: 501, authorId: 7, text: 'before restart' })
    portal.setMessage({ id: 5002, chatId: 501, authorId: 7, text: 'after restart' })
    const calls: RecordedCall[] = []
    const first = await bridge({ 'threads.out': threadRecorder('threads.out', calls) })
    await first.post(add(501, 5001, 'before restart'))
    await first.drain()
    await first.close()
    bridges.splice(bridges.indexOf(first), 1)

    const second = await bridge({ 'threads.out': threadRecorder('threads.out', calls) })
    await second.post(add(501, 5002, 'after restart'))
    await second.drain()
    expect(calls.map((c) => c.messageId)).toEqual([5001, 5002])
    expect(calls[1]?.thread).toBe(calls[0]?.thread)
    // The chat details were read once, in the first life, and came from the store after it.
    const dialogReads = portal.requests
      .flatMap((r) => r.commands ?? [])
      .filter((c) => c.method === 'imopenlines.dialog.get')
    expect(dialogReads).toHaveLength(1)
  })

  for (const sessionThreads of ['new', 'same'] as const) {
    it(`a new session in the same chat under sessionThreads: ${sessionThreads}`, async () => {
      describeChats()
      portal.setMessage({ id: 6001, chatId: 501, authorId: 7, text: 'first visit', params: { IMOL_SID: 40 } })
      const calls: RecordedCall[] = []
      const b = await bridge({ 'threads.out': threadRecorder('threads.out', calls) }, { sessionThreads })
      await b.post(add(501, 6001, 'first visit'))
      await b.drain()
      // The customer comes back: Bitrix24 opens session 41 in the same chat.
      portal.setChat({
        chatId: 501,
        title: 'Ivan Petrov - Support',
        connector: 'telegrambot',
        line: 128,
        sessionId: 41,
      })
      portal.setMessage({
        id: 6002,
        chatId: 501,
        authorId: 7,
        text: 'second visit',
        params: { IMOL_SID: 41 },
      })
      portal.setMessage({
        id: 6003,
        chatId: 501,
        authorId: 7,
        text: 'still second',
        params: { IMOL_SID: 41 },
      })
      await b.post(add(501, 6002, 'second visit'))
      await b.post(add(501, 6003, 'still second'))
      await b.drain()
      expect(calls.map((c) => c.messageId)).toEqual([6001, 6002, 6003])
      const [one, two, three] = calls
      expect(three?.thread).toBe(two?.thread)
      if (sessionThreads === 'new') {
        expect(two?.thread).not.toBe(one?.thread)
        expect(two?.previous).toBe(one?.thread)
      } else {
        expect(two?.thread).toBe(one?.thread)
      }
      expect((await b.app.store.getChat(fixturePortal.memberId, 501))?.sessionId).toBe(41)
    })
  }
})
