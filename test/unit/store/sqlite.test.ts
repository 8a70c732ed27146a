import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { BridgeError, ErrorCodes } from '../../../src/errors.js'
import { openStore } from '../../../src/store/index.js'
import {
  openSqliteStore,
  type SqliteStore,
  type SqliteStoreOptions,
} from '../../../src/store/sqlite/index.js'
import { describeStoreBehaviour, FakeClock, job, type StoreHarness } from '../../support/store-behaviour.js'

async function tempPath(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'olb-store-'))
  return { dir, path: join(dir, 'nested', 'bridge.db') }
}

async function openHarness(options: Partial<SqliteStoreOptions> = {}): Promise<StoreHarness> {
  const { dir, path } = await tempPath()
  const clock = new FakeClock()
  const harness: StoreHarness = {
    store: openSqliteStore({ ...options, path, clock }),
    clock,
    async reopen() {
      await harness.store.close()
      harness.store = openSqliteStore({ ...options, path, clock })
      return harness.store
    },
    async cleanup() {
      await harness.store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
  return harness
}

describeStoreBehaviour('sqlite', (options) => openHarness(options))

describe('sqlite store', () => {
  const cleanups: Array<() => Promise<void>> = []
  const open = async (options: Partial<SqliteStoreOptions> = {}) => {
    const harness = await openHarness(options)
    cleanups.push(harness.cleanup)
    return { ...harness, store: harness.store as SqliteStore }
  }
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  it('creates the file in missing parent directories, in WAL mode, fsyncing every write by default', async () => {
    const { store } = await open()
    const file = store.database.name
    expect(file).toMatch(/nested[/\\]bridge\.db$/)
    const other = new Database(file, { readonly: true })
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal')
    } finally {
      other.close()
    }
    // FULL: the store fsyncs the WAL itself after each group (off the event loop), so the
    // connection runs NORMAL and every write waits for a sync.
    expect(store.database.pragma('synchronous', { simple: true })).toBe(1)
    await store.enqueue([job('m1')])
    expect(store.commitStats()).toMatchObject({ commits: 1, calls: 1, syncs: 1, synced: 1 })
    const fast = await open({ synchronous: 'NORMAL' })
    expect(fast.store.database.pragma('synchronous', { simple: true })).toBe(1)
    await fast.store.enqueue([job('m1')])
    expect(fast.store.commitStats()).toMatchObject({ commits: 1, syncs: 0 })
  })

  describe('group commit and the fsync (synchronous FULL)', () => {
    /** A sync the test releases by hand: what the WAL fsync would be, on a disk that takes its time. */
    function heldSync() {
      const pending: Array<{ resolve: () => void; reject: (err: Error) => void }> = []
      return {
        pending,
        sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
        async release(err?: Error) {
          await until(() => pending.length > 0)
          const next = pending.shift()
          if (err) next?.reject(err)
          else next?.resolve()
        },
      }
    }
    const until = async (check: () => boolean) => {
      const started = Date.now()
      while (!check()) {
        if (Date.now() - started > 10_000) throw new Error('hung')
        await new Promise((r) => setTimeout(r, 2))
      }
    }
    const turn = () => new Promise((r) => setImmediate(r))

    it('settles an enqueue only after the fsync that follows its commit', async () => {
      const held = heldSync()
      const { store } = await open({ syncWal: held.sync })
      let settled = false
      const enqueued = store.enqueue([job('m1')]).then(() => {
        settled = true
      })
      await until(() => held.pending.length === 1)
      // Committed (a reader sees it), but not answered: the fsync has not ended.
      expect(await store.stats('fetch')).toMatchObject({ pending: 1 })
      await turn()
      expect(settled).toBe(false)
      await held.release()
      await enqueued
      expect(settled).toBe(true)
    })

    it('takes everything queued during an fsync into one transaction and one fsync', async () => {
      const held = heldSync()
      const { store } = await open({ syncWal: held.sync })
      const first = store.enqueue([job('a')])
      await until(() => held.pending.length === 1)
      // Three calls in three event-loop turns: without a sync in flight, three commits.
      const later: Promise<void>[] = []
      for (const key of ['b', 'c', 'd']) {
        later.push(store.enqueue([job(key)]))
        await turn()
      }
      expect(store.commitStats()).toMatchObject({ commits: 1, calls: 1 })
      await held.release()
      await first
      await held.release()
      await Promise.all(later)
      expect(store.commitStats()).toEqual({ commits: 2, calls: 4, syncs: 2, synced: 4 })
    })

    it('makes other writes wait for the fsync too, sharing it with the enqueue group', async () => {
      const held = heldSync()
      const { store } = await open({ syncWal: held.sync })
      const queued = store.enqueue([job('a'), job('b')])
      await held.release()
      await queued
      const [a, b] = await store.claim('fetch', { limit: 2, leaseMs: 60_000 })
      let completed = false
      const done = store.complete(a!).then(() => {
        completed = true
      })
      const retried = store.retry(b!, { runAt: 0, error: 'x' })
      const more = store.enqueue([job('c')])
      await until(() => held.pending.length === 1)
      await turn()
      expect(completed).toBe(false)
      await held.release()
      await Promise.all([done, retried, more])
      // The second fsync answered the complete, the retry and the enqueue together.
      expect(store.commitStats()).toMatchObject({ syncs: 2, synced: 1 + 3 })
    })

    it('refuses the writes waiting for a failed fsync with STORE_UNAVAILABLE', async () => {
      const held = heldSync()
      const { store } = await open({ syncWal: held.sync })
      const queued = store.enqueue([job('a')])
      await held.release(new Error('EIO: i/o error, fsync'))
      await expect(queued).rejects.toMatchObject({ code: ErrorCodes.STORE_UNAVAILABLE })
    })
  })

  it('opens through openStore from the storage config, relative to cwd', async () => {
    const { dir, path } = await tempPath()
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    // A relative storage.path is resolved against the given cwd, not the process's.
    const store = openStore({ driver: 'sqlite', path: 'nested/bridge.db', synchronous: 'full' }, { cwd: dir })
    await store.enqueue([job('m1')])
    await store.close()
    const again = openStore({ driver: 'sqlite', path, synchronous: 'normal' }) as SqliteStore
    expect(await again.stats('fetch')).toMatchObject({ pending: 1 })
    // storage.synchronous reaches the connection (1 = NORMAL, 2 = FULL).
    expect(again.database.pragma('synchronous', { simple: true })).toBe(1)
    await again.close()
  })

  it('rejects enqueue with STORE_UNAVAILABLE when the disk is full, and recovers when space returns', async () => {
    const { store } = await open()
    const db = store.database
    const maxPages = db.pragma('max_page_count', { simple: true }) as number
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)

    const error = await store
      .enqueue([job('small'), job('big', { blob: 'x'.repeat(200_000) })])
      .catch((e) => e)
    expect(error).toBeInstanceOf(BridgeError)
    expect(error).toMatchObject({ code: ErrorCodes.STORE_UNAVAILABLE, cause: { code: 'SQLITE_FULL' } })

    db.pragma(`max_page_count = ${maxPages}`)
    await store.enqueue([job('after', { blob: 'x'.repeat(200_000) })])
    expect((await store.claim('fetch', { limit: 10, leaseMs: 1_000 })).map((j) => j.key)).toEqual(['after'])
  })

  it('rejects writes with STORE_UNAVAILABLE and fails ping while the file is read-only', async () => {
    const { store } = await open()
    // chmod does not stop root (tests may run as root); query_only gives the same SQLITE_READONLY.
    store.database.pragma('query_only = ON')
    await expect(store.enqueue([job('m1')])).rejects.toMatchObject({
      code: ErrorCodes.STORE_UNAVAILABLE,
      cause: { code: 'SQLITE_READONLY' },
    })
    await expect(
      store.saveMirror({
        portal: 'p',
        messageId: 1,
        output: 'o',
        ref: 1,
        hash: 'h',
        version: 1,
        text: '',
        updatedAt: 1,
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.STORE_UNAVAILABLE })
    expect(await store.ping()).toBe(false)

    store.database.pragma('query_only = OFF')
    expect(await store.ping()).toBe(true)
    await store.enqueue([job('m1')])
    expect(await store.stats('fetch')).toMatchObject({ pending: 1 })
  })

  it('rejects only the failing call of a group commit; its jobs are stored all or none', async () => {
    const { store } = await open({
      coalesce: (_existing, incoming) => {
        if ((incoming as { fail?: boolean }).fail) throw new Error('cannot merge')
        return incoming
      },
    })
    await store.enqueue([job('shared', { v: 1 })])

    const results = await Promise.allSettled([
      store.enqueue([job('a')]),
      store.enqueue([job('b1'), job('shared', { fail: true }), job('b2')]),
      store.enqueue([job('c'), job('shared', { v: 2 })]),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCodes.INTERNAL })

    const claimed = await store.claim('fetch', { limit: 10, leaseMs: 1_000 })
    expect(claimed.map((j) => [j.key, j.payload]).sort()).toEqual([
      ['a', { key: 'a' }],
      ['c', { key: 'c' }],
      ['shared', { v: 2 }],
    ])
  })

  it('writes the enqueue calls of one tick in one transaction', async () => {
    const { store } = await open()
    const db = store.database
    db.pragma('wal_autocheckpoint = 0')
    db.pragma('wal_checkpoint(TRUNCATE)')
    await Promise.all(Array.from({ length: 300 }, (_, n) => store.enqueue([job(`m${n}`)])))
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as [{ log: number }]
    // One commit of 300 small rows touches a few dozen pages; 300 commits would append ≥ 300 frames.
    expect(log).toBeLessThan(100)
    expect(await store.stats('fetch')).toMatchObject({ pending: 300 })
  })

  it('flushes enqueue calls still waiting when closed, then refuses new work', async () => {
    const harness = await open()
    const waiting = harness.store.enqueue([job('m1')])
    await harness.store.close()
    await waiting
    await harness.store.close()
    await expect(harness.store.enqueue([job('m2')])).rejects.toMatchObject({
      code: ErrorCodes.STORE_UNAVAILABLE,
    })
    await expect(harness.store.stats('fetch')).rejects.toMatchObject({ code: ErrorCodes.STORE_UNAVAILABLE })
    expect(await harness.store.ping()).toBe(false)

    const store = await harness.reopen()
    expect(await store.stats('fetch')).toMatchObject({ pending: 1 })
  })

  it('leaves a job re-claimed after lease expiry to its new holder but keeps the stale worker’s mirror', async () => {
    const { store, clock } = await open()
    await store.enqueue([job('m1')])
    const [stale] = await store.claim('fetch', { limit: 1, leaseMs: 1_000 })
    clock.advance(1_001)
    const [current] = await store.claim('fetch', { limit: 1, leaseMs: 1_000 })
    expect(current?.id).toBe(stale?.id)

    const ref = {
      portal: 'p',
      messageId: 1,
      output: 'o',
      ref: { ts: '1' },
      hash: 'h',
      version: 1,
      text: 't',
      updatedAt: 1,
    }
    await store.complete(stale!, { mirror: ref })
    await store.retry(stale!, { runAt: clock.now(), error: 'late' })
    expect(await store.stats('fetch')).toEqual({ pending: 0, leased: 1, dead: 0 })
    expect(await store.getMirror('p', 1, 'o')).toEqual(ref)

    await store.complete(current!)
    expect(await store.stats('fetch')).toEqual({ pending: 0, leased: 0, dead: 0 })
  })

  it('fills in the chat position of jobs queued before schema 7, and the ordering check reads its index', async () => {
    const { store } = await open()
    const file = store.database.name
    const add = (messageId: number) =>
      job(`portal-a:${messageId}`, { portal: 'portal-a', event: { chatId: 7, messageId, kind: 'added' } })
    await store.enqueue([add(9)])
    await store.complete((await store.claim('fetch', { limit: 1, leaseMs: 1000 }))[0]!, {
      enqueue: [
        {
          queue: 'deliver',
          key: 'portal-a:8:slack.support',
          group: 'slack.support',
          payload: {
            portal: 'portal-a',
            output: 'slack.support',
            message: { chatId: 7, messageId: 8, kind: 'added' },
          },
        },
      ],
    })
    await store.enqueue([add(6)])
    // Back to schema 6: no chat columns, no index.
    store.database.exec(`DROP INDEX jobs_adds; ALTER TABLE jobs DROP COLUMN add_chat;
      ALTER TABLE jobs DROP COLUMN add_message; UPDATE schema_version SET version = 6`)
    await store.close()
    const reopened = openSqliteStore({ path: file })
    cleanups.push(() => reopened.close())
    const at = { portal: 'portal-a', chatId: 7, messageId: 10, output: 'slack.support' }
    expect(await reopened.hasEarlierAdd(at)).toBe(true)
    expect(await reopened.hasEarlierAdd({ ...at, messageId: 7 })).toBe(true) // the fetch job of 6
    expect(await reopened.hasEarlierAdd({ ...at, messageId: 6 })).toBe(false)
    expect(await reopened.hasEarlierAdd({ ...at, output: 'telegram.ops', messageId: 9 })).toBe(true) // 6 again
    const plan = reopened.database
      .prepare(
        `EXPLAIN QUERY PLAN SELECT 1 FROM jobs WHERE add_chat = 'portal-a|7' AND add_message < 10
         AND status = 'pending' AND ((queue = 'fetch' AND grp = 'portal-a') OR (queue = 'deliver' AND grp = 'o'))
         AND (NULL IS NULL OR run_at <= 0) LIMIT 1`,
      )
      .all() as { detail: string }[]
    expect(plan.map((row) => row.detail).join('; ')).toContain('USING INDEX jobs_adds')
  })

  it('refuses a database written by a newer schema version', async () => {
    const { store } = await open()
    const file = store.database.name
    store.database.prepare('UPDATE schema_version SET version = 999').run()
    await store.close()
    expect(() => openSqliteStore({ path: file })).toThrow(
      expect.objectContaining({ code: ErrorCodes.STORE_UNAVAILABLE, kind: 'config' }),
    )
  })

  it('fails to open with STORE_UNAVAILABLE when the path cannot be created', async () => {
    const { dir } = await tempPath()
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const blocker = join(dir, 'file')
    openSqliteStore({ path: blocker }).close()
    expect(() => openSqliteStore({ path: join(blocker, 'sub', 'bridge.db') })).toThrow(
      expect.objectContaining({ code: ErrorCodes.STORE_UNAVAILABLE }),
    )
  })
})
