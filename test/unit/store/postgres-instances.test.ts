import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { migrateCommand } from '../../../src/cli/migrate-command.js'
import { openStore } from '../../../src/store/index.js'
import { openPostgresStore, type PostgresStore, schemaVersion } from '../../../src/store/postgres/index.js'
import type { Job, QueueName } from '../../../src/store/store.js'
import { createTestDatabase, pgEnabled, type TestDatabase } from '../../support/postgres/databases.js'
import { credentials, FakeClock, job } from '../../support/store-behaviour.js'

const KEY = Buffer.alloc(32, 7).toString('base64')

describe.skipIf(!pgEnabled())('postgres store across instances (PG_TESTS=skip skips this file)', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  const database = async (): Promise<TestDatabase> => {
    const db = await createTestDatabase()
    cleanups.push(db.drop)
    return db
  }
  const open = (
    url: string,
    options: Partial<Parameters<typeof openPostgresStore>[0]> = {},
  ): PostgresStore => {
    const store = openPostgresStore({ url, poolSize: 4, ...options })
    cleanups.push(() => store.close())
    return store
  }
  const query = async <T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query<T>(sql)).rows
    } finally {
      await client.end()
    }
  }

  it('lets several instances start at once on an empty database: the schema is applied once', async () => {
    const db = await database()
    const stores = Array.from({ length: 4 }, () => open(db.url))
    await Promise.all(stores.map((s) => s.ready))
    const rows = await query<{ version: number }>(db.url, 'SELECT version FROM schema_version')
    expect(rows).toEqual([{ version: schemaVersion }])
    expect(await Promise.all(stores.map((s) => s.ping()))).toEqual([true, true, true, true])
  })

  it('never hands one key to two instances, and hands every job out once, oldest of a key first', async () => {
    const db = await database()
    const clock = new FakeClock()
    const instances = [open(db.url, { clock }), open(db.url, { clock }), open(db.url, { clock })]
    await Promise.all(instances.map((s) => s.ready))
    // 40 keys with two due jobs each: the first leased and retried, the second added meanwhile.
    const keys = Array.from({ length: 40 }, (_, n) => `k${n}`)
    await instances[0]!.enqueue(keys.map((key) => job(key, { v: 1 })))
    const first = await instances[0]!.claim('fetch', { limit: 100, leaseMs: 60_000 })
    // The second job is due earlier than the first's retry: it must still wait for the first.
    await instances[0]!.enqueue(keys.map((key) => job(key, { v: 2 }, { runAt: clock.now() - 1_000 })))
    for (const j of first) await instances[0]!.retry(j, { runAt: clock.now(), error: 'again' })

    const running = new Set<string>()
    const seen = new Map<string, number[]>()
    let overlaps = 0
    let handled = 0
    const worker = async (store: PostgresStore) => {
      for (let round = 0; round < 400 && handled < keys.length * 2; round++) {
        const claimed: Job[] = await store.claim('fetch', { limit: 4, leaseMs: 60_000 })
        for (const j of claimed) {
          if (running.has(j.key)) overlaps++
          running.add(j.key)
        }
        await new Promise((resolve) => setTimeout(resolve, 1))
        for (const j of claimed) {
          running.delete(j.key)
          seen.set(j.key, [...(seen.get(j.key) ?? []), (j.payload as { v: number }).v])
          handled++
          await store.complete(j)
        }
      }
    }
    await Promise.all(instances.map((s) => worker(s)))
    expect(overlaps).toBe(0)
    expect([...seen.keys()].sort()).toEqual([...keys].sort())
    for (const key of keys) expect(seen.get(key)).toEqual([1, 2])
    expect(await instances[1]!.stats('fetch')).toEqual({ pending: 0, leased: 0, dead: 0 })
  })

  it('keeps a key on one instance while a second job of that key waits (per-key exclusion)', async () => {
    const db = await database()
    const clock = new FakeClock()
    const [a, b] = [open(db.url, { clock }), open(db.url, { clock })]
    await a.enqueue([job('m1', { v: 1 })])
    const [first] = await a.claim('fetch', { limit: 10, leaseMs: 10_000 })
    await b.enqueue([job('m1', { v: 2 })])
    await a.retry(first!, { runAt: clock.now() + 5_000, error: 'later' })
    // The retried head is not due; the younger job of the key must not overtake it on any instance.
    expect(await b.claim('fetch', { limit: 10, leaseMs: 10_000 })).toEqual([])
    clock.advance(5_000)
    const next = await b.claim('fetch', { limit: 10, leaseMs: 10_000 })
    expect(next.map((j) => j.id)).toEqual([first!.id])
    expect(await a.claim('fetch', { limit: 10, leaseMs: 10_000 })).toEqual([])
  })

  it('wakes an idle instance through LISTEN/NOTIFY when another one commits jobs', async () => {
    const db = await database()
    const heard: QueueName[] = []
    let wake: () => void = () => {}
    const woken = new Promise<void>((resolve) => {
      wake = resolve
    })
    const idle = open(db.url, {
      onJobs: (queue) => {
        heard.push(queue)
        wake()
      },
    })
    await idle.ready
    const busy = open(db.url)
    // The listener connects after the schema is ready; give it a moment by retrying the enqueue.
    for (let n = 0; n < 100 && heard.length === 0; n++) {
      await busy.enqueue([job(`m${n}`, {}, { queue: 'deliver' })])
      await Promise.race([woken, new Promise((resolve) => setTimeout(resolve, 100))])
    }
    expect(heard[0]).toBe('deliver')
  })

  it("reports commits to onCommitted: its own once, and the other instances' through NOTIFY", async () => {
    const db = await database()
    const clock = new FakeClock()
    const a = open(db.url, { clock })
    const b = open(db.url, { clock })
    await Promise.all([a.ready, b.ready])
    const seen: string[] = []
    a.onCommitted((work) => seen.push(`${work.queue}@${work.runAt - clock.now()}`))
    const until = async (text: string) => {
      for (let n = 0; n < 200 && !seen.includes(text); n++) await new Promise((r) => setTimeout(r, 50))
      expect(seen).toContain(text)
    }
    // The LISTEN connection opens after the schema is ready: wait until b's commits reach a.
    for (let n = 0; n < 100 && !seen.includes('deliver@500'); n++) {
      await b.enqueue([job(`probe${n}`, {}, { queue: 'deliver', runAt: clock.now() + 500 })])
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(seen).toContain('deliver@500')
    seen.length = 0
    await a.enqueue([job('own', {}, { runAt: clock.now() + 7 })])
    await until('fetch@7')
    await new Promise((r) => setTimeout(r, 300))
    expect(seen.filter((w) => w === 'fetch@7')).toHaveLength(1)

    await b.enqueue([job('d1')])
    const [claimed] = await b.claim('fetch', { limit: 1, leaseMs: 1000 })
    await b.deadLetter(claimed!, 'x')
    seen.length = 0
    expect(await b.replayDead([claimed!.id])).toBe(1)
    await until('fetch@0')
    const [again] = await b.claim('fetch', { limit: 1, leaseMs: 1000 })
    seen.length = 0
    await b.retry(again!, { runAt: clock.now() + 30, error: 'later' })
    await until('fetch@30')
  })

  it('opens from the storage config and seals tokens at rest', async () => {
    const db = await database()
    const store = openStore({
      driver: 'postgres',
      url: db.url,
      poolSize: 2,
      path: 'unused.db',
      synchronous: 'full',
      encryptionKey: KEY,
    })
    cleanups.push(() => store.close())
    await store.savePortal(credentials())
    const raw = JSON.stringify(await query(db.url, 'SELECT * FROM portals'))
    for (const secret of ['app-token-a', 'access-a-1', 'refresh-a-1']) expect(raw).not.toContain(secret)
    expect(raw.match(/enc:v1:/g)).toHaveLength(3)
    expect(await store.getPortal('member-a')).toEqual(credentials())
  })

  it('answers BRG_ERR_STORE_UNAVAILABLE when the database cannot be reached', async () => {
    const store = open('postgres://postgres@127.0.0.1:1/none')
    await expect(store.enqueue([job('m1')])).rejects.toMatchObject({ code: 'BRG_ERR_STORE_UNAVAILABLE' })
    expect(await store.ping()).toBe(false)
  })

  it('migrate prints the steps it would apply, applies them with --apply, then has nothing left', async () => {
    const db = await database()
    const dir = await mkdtemp(join(tmpdir(), 'olb-migrate-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const configPath = join(dir, 'bridge.json')
    await writeFile(
      configPath,
      JSON.stringify({
        storage: { driver: 'postgres', url: db.url },
        outputs: { 'console.main': { type: 'console' } },
      }),
    )
    const migrateText = async (apply: boolean) => {
      const out = new PassThrough()
      let text = ''
      out.on('data', (c: Buffer) => {
        text += c.toString()
      })
      await migrateCommand({ config: configPath, apply }, { stdout: out, env: {} })
      return text
    }
    const dry = await migrateText(false)
    expect(dry).toContain(`schema version 0, this openline-bridge needs ${schemaVersion}`)
    expect(dry).toContain(`would apply ${schemaVersion} step(s)`)
    expect(dry).toContain('1: jobs, mirror map, delivery log')
    expect(await query(db.url, "SELECT to_regclass('jobs') AS t")).toEqual([{ t: null }])
    const applied = await migrateText(true)
    expect(applied).toContain(`applied: ${Array.from({ length: schemaVersion }, (_, i) => i + 1).join(', ')}`)
    expect(await migrateText(false)).toContain('nothing to apply')
  })
})
