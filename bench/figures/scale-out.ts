import { createTestDatabaseAt, startCluster } from '../../test/support/postgres/cluster.js'
import { type BenchBridge, startBenchBridge } from '../support/bench-bridge.js'
import { startBenchPortal } from '../support/bench-portal.js'
import { editOf, formType } from '../support/event-bodies.js'
import type { BenchContext, Figure, Row } from '../support/figure.js'
import { type LoadResult, runLoad } from '../support/load.js'
import { ratio, round } from '../support/stats.js'

const connections = 24

/** Load spread over the instances: one load child per instance, connections split between them. */
async function ingest(bridges: BenchBridge[], firstMessageId: number, ctx: BenchContext): Promise<number> {
  const results: LoadResult[] = await Promise.all(
    bridges.map((bridge, n) =>
      runLoad({
        url: bridge.url,
        firstMessageId: firstMessageId + n * 10_000_000,
        connections: Math.max(1, Math.round(connections / bridges.length)),
        durationSec: ctx.quick ? 2 : 8,
        warmupSec: ctx.quick ? 1 : 2,
      }),
    ),
  )
  return results.reduce((sum, r) => sum + r.rps, 0)
}

/**
 * Figure 7: ingest of 1, 2 and 3 bridge instances on one Postgres, each as a ratio to one SQLite
 * instance measured in the same run; and the drain rate of 3 instances sharing one portal bucket.
 */
export const scaleOutFigure: Figure = async (ctx) => {
  const cluster = await startCluster({ maxConnections: 100 })
  const portal = await startBenchPortal()
  const outputs = { 'slack.bench': 'http://127.0.0.1:9' }
  const rows: Row[] = []
  try {
    ctx.log('scale-out: 1 SQLite instance')
    const sqlite = await startBenchBridge({ webhookUrl: portal.portal.webhookUrl, outputs })
    let sqliteRps: number
    try {
      sqliteRps = await ingest([sqlite], 1_000_000, ctx)
    } finally {
      await sqlite.close()
    }
    rows.push({ metric: 'ingest, 1 instance on SQLite', value: round(sqliteRps), unit: 'req/s', met: null })
    for (const count of [1, 2, 3]) {
      ctx.log(`scale-out: ${count} instance(s) on one Postgres`)
      const url = await createTestDatabaseAt(cluster.adminUrl, `bench_ingest_${count}`)
      const bridges: BenchBridge[] = []
      try {
        for (let n = 0; n < count; n++) {
          bridges.push(
            await startBenchBridge({
              webhookUrl: portal.portal.webhookUrl,
              outputs,
              storage: { driver: 'postgres', url, poolSize: 10 },
            }),
          )
        }
        const rps = await ingest(bridges, 100_000_000 * count, ctx)
        const share = ratio(rps, sqliteRps)
        rows.push({
          metric: `ingest, ${count} instance(s) on one Postgres`,
          value: round(rps),
          unit: 'req/s',
          baseline: '1 instance on SQLite, same run',
          baselineValue: round(sqliteRps),
          ...(share === undefined ? {} : { ratio: share }),
          met: null,
        })
      } finally {
        for (const bridge of bridges) await bridge.close()
      }
    }
    rows.push(await drainRow(cluster.adminUrl, ctx))
  } finally {
    await portal.close()
    await cluster.stop()
  }
  return {
    id: 7,
    title: 'Scale-out',
    rows,
    notes: [
      'A throwaway PostgreSQL (Debian binaries, fsync off: the cluster is thrown away) on loopback; ' +
        'every instance is the real app (buildApp, receiver, group-committed enqueue with synchronous_commit on), ' +
        'workers not started, so only the request path is measured.',
      'The instances run in this one bench process (one event loop) and the load generators in child ' +
        'processes, all on this 2-core machine with the database: the ingest ratio is reported, not judged.',
      'Drain: 3 instances with workers started, pipeline.batchSize 1 (one portal request per message), ' +
        'all drawing from one shared bucket per portal (GCRA row in Postgres). Judged: the rate the portal ' +
        'saw after the burst equals the bucket, not 3 ×.',
    ],
  }
}

async function drainRow(adminUrl: string, ctx: BenchContext): Promise<Row> {
  const bucket = { burst: 5, perSecond: 5 }
  const messages = ctx.quick ? 30 : 60
  ctx.log(`scale-out: drain of ${messages} messages by 3 instances sharing a bucket of ${bucket.perSecond}/s`)
  const portal = await startBenchPortal(bucket)
  const url = await createTestDatabaseAt(adminUrl, 'bench_drain')
  const bridges: BenchBridge[] = []
  try {
    for (let n = 0; n < 3; n++) {
      bridges.push(
        await startBenchBridge({
          webhookUrl: portal.portal.webhookUrl,
          outputs: { 'slack.bench': 'http://127.0.0.1:9' },
          storage: { driver: 'postgres', url, poolSize: 6 },
          bitrix: { rateLimit: bucket },
          pipeline: { batchSize: 1, coalesceWindowMs: 0 },
          startWorkers: true,
        }),
      )
    }
    for (let id = 1; id <= messages; id++) {
      await fetch(bridges[id % 3]!.url, {
        method: 'POST',
        headers: { 'content-type': formType },
        body: editOf(id),
      })
    }
    const deadline = Date.now() + 120_000
    while (portal.reads.size < messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const times = portal.portal.requests.map((r) => r.at).sort((a, b) => a - b)
    const afterBurst = times.slice(bucket.burst - 1)
    const spanSec = ((afterBurst.at(-1) ?? 0) - (afterBurst[0] ?? 0)) / 1000
    const rate = spanSec > 0 ? (afterBurst.length - 1) / spanSec : 0
    const share = ratio(rate, bucket.perSecond)
    return {
      metric: `drain rate after the burst, 3 instances, shared bucket (${portal.portal.stats.rejected503} × 503)`,
      value: round(rate),
      unit: 'req/s',
      baseline: 'the portal bucket',
      baselineValue: bucket.perSecond,
      ...(share === undefined ? {} : { ratio: share }),
      goal: '= the bucket (not 3 ×), 0 × 503',
      met: portal.portal.stats.rejected503 === 0 && rate <= bucket.perSecond * 1.1,
    }
  } finally {
    for (const bridge of bridges) await bridge.close()
    await portal.close()
  }
}
