import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { migrateStoreCommand } from '../../src/cli/migrate-store-command.js'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import { createTestDatabase, pgEnabled } from '../support/postgres/databases.js'
import { credentials, job } from '../support/store-behaviour.js'

const KEY = Buffer.alloc(32, 3).toString('base64')
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function run(from: string, to: string): Promise<string> {
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => {
    text += c.toString()
  })
  await migrateStoreCommand({ from, to }, { stdout: out })
  return text
}

describe.skipIf(!pgEnabled())('openline-bridge migrate-store (PG_TESTS=skip skips this file)', () => {
  it('copies portals (sealed tokens), mirrors, pending jobs and dead letters from SQLite to Postgres', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olb-migrate-store-'))
    const db = await createTestDatabase()
    cleanups.push(() => rm(dir, { recursive: true, force: true }), db.drop)
    const path = join(dir, 'bridge.db')

    const sqlite = openSqliteStore({ path, encryptionKey: KEY })
    await sqlite.savePortal(credentials({ offlineProcessId: 'p9' }))
    await sqlite.savePortal(
      credentials({ memberId: 'member-b', status: 'needs-reinstall', statusReason: 'x' }),
    )
    const mirror = {
      portal: 'member-a',
      messageId: 42,
      output: 'slack.support',
      ref: { channel: 'C1', ts: '1.2' },
      hash: 'h',
      version: 7,
      text: 'hello',
      updatedAt: 5,
    }
    await sqlite.saveMirror(mirror)
    await sqlite.setOutputState('telegram.ops', 'chatMoves', { '-1': -1001 })
    await sqlite.enqueue([
      job('member-a:1', { n: 1 }),
      job('member-a:2', { n: 2 }),
      job('member-a:1:slack', { out: 1 }, { queue: 'deliver', group: 'slack.support' }),
    ])
    const [first] = await sqlite.claim('fetch', { limit: 1, leaseMs: 60_000 })
    await sqlite.deadLetter(first!, 'attempts exhausted')
    // A job under lease is copied as pending: nothing runs while the bridge is stopped.
    await sqlite.claim('deliver', { limit: 1, leaseMs: 60_000 })
    // An add still on its way: the ordering check must see it after the move.
    await sqlite.enqueue([
      job(
        'member-a:9',
        { portal: 'member-a', event: { chatId: 7, messageId: 9, kind: 'added' } },
        { group: 'member-a' },
      ),
    ])
    await sqlite.close()

    const text = await run(`sqlite:${path}`, `postgres:${db.url}`)
    expect(text).toContain('2 portal(s), 1 mirror(s), 3 pending job(s), 1 dead letter(s)')

    const pg = openPostgresStore({ url: db.url, encryptionKey: KEY })
    cleanups.push(() => pg.close())
    expect(await pg.listPortals()).toEqual([
      credentials({ offlineProcessId: 'p9' }),
      credentials({ memberId: 'member-b', status: 'needs-reinstall', statusReason: 'x' }),
    ])
    expect(await pg.getMirror('member-a', 42, 'slack.support')).toEqual(mirror)
    expect(await pg.getOutputState('telegram.ops', 'chatMoves')).toEqual({ '-1': -1001 })
    expect(
      await pg.hasEarlierAdd({ portal: 'member-a', chatId: 7, messageId: 10, output: 'slack.support' }),
    ).toBe(true)
    expect((await pg.claim('fetch', { limit: 10, leaseMs: 1000 })).map((j) => j.payload)).toEqual([
      { n: 2 },
      { portal: 'member-a', event: { chatId: 7, messageId: 9, kind: 'added' } },
    ])
    expect((await pg.claim('deliver', { limit: 10, leaseMs: 1000 })).map((j) => j.payload)).toEqual([
      { out: 1 },
    ])
    const dead = await pg.listDead()
    expect(dead.map((j) => [j.key, j.reason, j.payload])).toEqual([
      ['member-a:1', 'attempts exhausted', { n: 1 }],
    ])

    // A second run refuses to copy into a database that already holds data.
    await expect(run(`sqlite:${path}`, db.url)).rejects.toThrow(/empty database only/)
  })
})
