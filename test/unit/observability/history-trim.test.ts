import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createHistoryTrim } from '../../../src/observability/history-trim.js'
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js'
import type { DeliveryLogEntry } from '../../../src/store/store.js'

const DAY = 86_400_000
const now = Date.UTC(2026, 11, 7)

const entry = (at: number, messageId: number): DeliveryLogEntry => ({
  at,
  portal: 'portal-a',
  messageId,
  output: 'hook.ops',
  action: 'send',
  status: 'delivered',
  attempt: 1,
})

let dir: string
let store: SqliteStore | undefined

afterEach(async () => {
  await store?.close()
  await rm(dir, { recursive: true, force: true })
})

async function storeWith(entries: DeliveryLogEntry[]): Promise<SqliteStore> {
  dir = await mkdtemp(join(tmpdir(), 'olb-trim-'))
  store = openSqliteStore({ path: join(dir, 'bridge.db'), synchronous: 'NORMAL' })
  // One transaction, not one write per entry: 12,000 rows in a blink.
  const insert = store.database.prepare(
    `INSERT INTO delivery_log (at, portal, message_id, output, action, status, attempt)
     VALUES (@at, @portal, @messageId, @output, @action, @status, @attempt)`,
  )
  store.database.transaction(() => {
    for (const e of entries) insert.run(e)
  })()
  return store
}

describe('storage.historyDays', () => {
  it('deletes log entries older than the kept days, in chunks, and keeps the rest', async () => {
    const old = Array.from({ length: 12_000 }, (_, i) => entry(now - 31 * DAY - i, i))
    const recent = [entry(now - 29 * DAY, 1_000_001), entry(now - 1_000, 1_000_002)]
    const s = await storeWith([...old, ...recent])
    const logger = pino({ level: 'silent' })
    const trim = createHistoryTrim({ store: s, days: 30, now: () => now, logger })
    expect(await trim.run()).toBe(12_000)
    expect((await s.listDeliveries({ limit: 100 })).map((e) => e.messageId)).toEqual([1_000_002, 1_000_001])
    expect(await trim.run()).toBe(0)
  })

  it('keeps everything with 0', async () => {
    const s = await storeWith([entry(now - 400 * DAY, 1)])
    const trim = createHistoryTrim({ store: s, days: 0, now: () => now, logger: pino({ level: 'silent' }) })
    expect(await trim.run()).toBe(0)
    expect(await s.listDeliveries()).toHaveLength(1)
  })
})
