import { afterEach, describe, expect, it } from 'vitest'
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.js'
import { createTestDatabase, pgEnabled } from '../../support/postgres/databases.js'
import { FakeClock, job } from '../../support/store-behaviour.js'

/**
 * The conversations contract (chat details cache, threads, hasEarlierAdd) on Postgres, ahead of its
 * landing in the shared behaviour suite; these cases are that suite's, and go once it runs them.
 */
describe.skipIf(!pgEnabled())('postgres: conversations (PG_TESTS=skip skips this file)', () => {
  let store: PostgresStore
  let url: string
  const clock = new FakeClock()
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  const open = async () => {
    const db = await createTestDatabase()
    url = db.url
    cleanups.push(db.drop)
    store = openPostgresStore({ url, clock })
    cleanups.push(() => store.close())
  }
  const h = {
    get store() {
      return store
    },
    clock,
    async reopen() {
      await store.close()
      store = openPostgresStore({ url, clock })
      cleanups.push(() => store.close())
      return store
    },
  }
  it('caches chat details per portal and chat, replacing them on save', async () => {
    await open()
    expect(await h.store.getChat('portal-a', 1024)).toBeUndefined()
    const chat = {
      portal: 'portal-a',
      chatId: 1024,
      title: 'Ivan - Support',
      customerName: 'Ivan',
      sessionId: 343,
      readAt: 5,
    }
    await h.store.saveChat(chat)
    await h.store.saveChat({ portal: 'portal-b', chatId: 1024, title: 'Chat 1024', readAt: 6 })
    expect(await h.store.getChat('portal-a', 1024)).toEqual(chat)
    expect(await h.store.getChat('portal-b', 1024)).toEqual({
      portal: 'portal-b',
      chatId: 1024,
      title: 'Chat 1024',
      readAt: 6,
    })
    await h.store.saveChat({ ...chat, sessionId: 344, readAt: 7 })
    expect((await h.store.getChat('portal-a', 1024))?.sessionId).toBe(344)
  })

  it('keeps one thread per (output, portal, chat) with its session and the previous thread', async () => {
    await open()
    expect(await h.store.getConversation('slack.support', 'portal-a', 1024)).toBeUndefined()
    const thread = {
      output: 'slack.support',
      portal: 'portal-a',
      chatId: 1024,
      ref: { channel: 'C1', ts: '1.1' },
      sessionId: 343,
      updatedAt: 1,
    }
    await h.store.saveConversation(thread)
    await h.store.saveConversation({ ...thread, output: 'telegram.ops', ref: { topic: 9 } })
    expect(await h.store.getConversation('slack.support', 'portal-a', 1024)).toEqual(thread)
    expect((await h.store.getConversation('telegram.ops', 'portal-a', 1024))?.ref).toEqual({ topic: 9 })
    expect(await h.store.getConversation('slack.support', 'portal-a', 1025)).toBeUndefined()
    const next = {
      ...thread,
      ref: { channel: 'C1', ts: '2.2' },
      sessionId: 344,
      previousRef: thread.ref,
      updatedAt: 2,
    }
    await h.store.saveConversation(next)
    expect(await h.store.getConversation('slack.support', 'portal-a', 1024)).toEqual(next)
    const store = await h.reopen()
    expect(await store.getConversation('slack.support', 'portal-a', 1024)).toEqual(next)
  })

  it('hasEarlierAdd sees pending and leased adds of earlier messages of the chat, not edits, dead jobs or other chats', async () => {
    await open()
    const fetchOf = (messageId: number, kind: string, chatId = 7) =>
      job(`portal-a:${messageId}`, { portal: 'portal-a', event: { chatId, messageId, kind } })
    const deliverOf = (messageId: number, kind: string, output = 'slack.support') => ({
      queue: 'deliver' as const,
      key: `portal-a:${messageId}:${output}`,
      group: output,
      payload: { portal: 'portal-a', output, version: 1, message: { chatId: 7, messageId, kind } },
    })
    const at = (messageId: number, output = 'slack.support') => ({
      portal: 'portal-a',
      chatId: 7,
      messageId,
      output,
    })
    expect(await h.store.hasEarlierAdd(at(10))).toBe(false)
    await h.store.enqueue([fetchOf(5, 'updated'), fetchOf(6, 'added', 8), fetchOf(11, 'added')])
    expect(await h.store.hasEarlierAdd(at(10))).toBe(false)
    await h.store.enqueue([fetchOf(9, 'added')])
    expect(await h.store.hasEarlierAdd(at(10))).toBe(true)
    expect(await h.store.hasEarlierAdd(at(9))).toBe(false)
    const fetched = await h.store.claim('fetch', { limit: 10, leaseMs: 10_000 })
    expect(await h.store.hasEarlierAdd(at(10))).toBe(true) // leased still counts
    const nine = fetched.find((j) => j.key === 'portal-a:9')!
    await h.store.complete(nine, { enqueue: [deliverOf(9, 'added', 'telegram.ops')] })
    expect(await h.store.hasEarlierAdd(at(10))).toBe(false) // another output's delivery
    expect(await h.store.hasEarlierAdd(at(10, 'telegram.ops'))).toBe(true)
    await h.store.enqueue([deliverOf(8, 'added')])
    expect(await h.store.hasEarlierAdd(at(10))).toBe(true)
    const [eight] = await h.store.claim('deliver', {
      limit: 1,
      leaseMs: 10_000,
      excludeGroups: ['telegram.ops'],
    })
    await h.store.deadLetter(eight!, 'gone')
    expect(await h.store.hasEarlierAdd(at(10))).toBe(false)
    // A retry due later than `dueBefore` does not count there; it still counts without it.
    const later = h.clock.now() + 60_000
    await h.store.enqueue([{ ...deliverOf(7, 'added'), runAt: later }])
    expect(await h.store.hasEarlierAdd(at(10))).toBe(true)
    expect(await h.store.hasEarlierAdd({ ...at(10), dueBefore: later - 1 })).toBe(false)
    expect(await h.store.hasEarlierAdd({ ...at(10), dueBefore: later })).toBe(true)
  })
})
