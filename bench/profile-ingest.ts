import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { coalescePayloads } from '../src/pipeline/coalesce.js'
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/index.js'
import type { Store } from '../src/store/store.js'
import { startBareFastify } from './baselines/bare-fastify.js'
import { type BenchBridgeOptions, startBenchBridge } from './support/bench-bridge.js'
import { startBenchPortal } from './support/bench-portal.js'
import { type LoadResult, runLoad } from './support/load.js'
import { type CpuProfile, renderProfile, summarizeProfile } from './support/summarize-profile.js'

// The profile pass of issue 6: figure 1's bridge run (full speed, fixture bodies, workers off)
// under the V8 CPU profiler — the sampler `node --cpu-prof` uses, started after warm-up and
// stopped when the load ends, so startup and module loading are not in it (the load generator is
// another process). Then what-if runs that need no change in src/: the store opened with
// synchronous=NORMAL, and a store whose enqueue does not write (the ceiling of moving the write off
// the event loop). Writes bench/results/ingest.cpuprofile (Chrome DevTools → Performance).
//   npx tsx bench/profile-ingest.ts [seconds per run, default 10]

const seconds = Number(process.argv[2] ?? 10)
const root = fileURLToPath(new URL('..', import.meta.url))
const out = (line: string) => process.stdout.write(`${line}\n`)

// Count group commits: GroupCommit wraps its writer with db.transaction(fn) once, then calls it
// with the array of waiting enqueue calls. Wrapping transaction() here (bench process only) sees
// every commit and its size without touching src/.
const commits = { count: 0, calls: 0 }
const originalTransaction = Database.prototype.transaction
Database.prototype.transaction = function patched(
  this: Database.Database,
  fn: (...args: never[]) => unknown,
) {
  const tx = originalTransaction.call(this, fn)
  const counted = ((...args: unknown[]) => {
    const first = args[0]
    if (Array.isArray(first) && first.length > 0 && typeof first[0] === 'object' && 'jobs' in first[0]) {
      commits.count += 1
      commits.calls += first.length
    }
    return (tx as (...a: unknown[]) => unknown)(...args)
  }) as typeof tx
  for (const mode of ['deferred', 'immediate', 'exclusive'] as const) counted[mode] = tx[mode]
  return counted
} as typeof Database.prototype.transaction

const portal = await startBenchPortal()
const base = { webhookUrl: portal.portal.webhookUrl, outputs: { 'slack.bench': 'http://127.0.0.1:9' } }
let nextId = 9_000_000
// Every run posts new message ids, so each request is a new job (never a merge).
const freshIds = () => {
  nextId += 1_000_000
  return nextId
}
async function load(url: string, warm = true): Promise<LoadResult> {
  if (warm) await runLoad({ url, firstMessageId: freshIds(), connections: 32, durationSec: 2 })
  return runLoad({ url, firstMessageId: freshIds(), connections: 32, durationSec: seconds })
}
async function bridgeRun(extra: Partial<BenchBridgeOptions>): Promise<LoadResult> {
  const bridge = await startBenchBridge({ ...base, ...extra })
  try {
    return await load(bridge.url)
  } finally {
    await bridge.close()
  }
}

try {
  const bare = await startBareFastify()
  const bareResult = await load(bare.url).finally(() => bare.close())

  const bridge = await startBenchBridge(base)
  const sqlite = bridge.app.store as Partial<SqliteStore>
  const session = new Session()
  session.connect()
  let profiled: LoadResult
  let syncLine = 'fsyncs: run by SQLite inside each commit (synchronous=FULL on the connection)'
  try {
    await runLoad({ url: bridge.url, firstMessageId: freshIds(), connections: 32, durationSec: 2 })
    commits.count = 0
    commits.calls = 0
    const before = sqlite.commitStats?.()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 200 })
    await session.post('Profiler.start')
    profiled = await load(bridge.url, false)
    const after = sqlite.commitStats?.()
    if (before && after) {
      const syncs = after.syncs - before.syncs
      syncLine =
        `fsyncs while profiled: ${syncs}, ${((after.synced - before.synced) / Math.max(1, syncs)).toFixed(1)} ` +
        'writes (enqueue calls and other writes) per fsync'
    }
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile }
    const file = fileURLToPath(new URL('./results/ingest.cpuprofile', import.meta.url))
    await writeFile(file, JSON.stringify(profile))
    out(`profile: ${file}\n`)
    out(renderProfile(summarizeProfile(profile, root, 30)))
  } finally {
    session.disconnect()
    await bridge.close()
  }
  const perCommit = commits.calls / Math.max(1, commits.count)

  const normal = await bridgeRun({
    openStore: (path) => openSqliteStore({ path, synchronous: 'NORMAL', coalesce: coalescePayloads }),
  })
  const noWrite = await bridgeRun({
    openStore: (path) => {
      const real = openSqliteStore({ path, coalesce: coalescePayloads })
      return Object.assign(Object.create(real) as Store, { enqueue: async () => {} })
    },
  })
  const row = (label: string, r: LoadResult) =>
    `| ${label} | ${r.rps.toFixed(0)} | ${((r.rps / bareResult.rps) * 100).toFixed(0)} % | ${r.p99} |`
  out('| run (same bodies, 32 connections) | req/s | of bare | p99 ms |')
  out('| --- | --- | --- | --- |')
  out(row('bare fastify, no parse', bareResult))
  out(row('bridge as shipped (synchronous=FULL), profiled', profiled))
  out(row('bridge, store opened with synchronous=NORMAL', normal))
  out(row('bridge, enqueue does not write (ceiling)', noWrite))
  out(`\ngroup commit while profiled: ${commits.count} commits, ${perCommit.toFixed(1)} requests per commit`)
  out(syncLine)
} finally {
  Database.prototype.transaction = originalTransaction
  await portal.close()
}
