import { startBareFastify } from '../baselines/bare-fastify.js'
import { startBenchBridge } from '../support/bench-bridge.js'
import { startBenchPortal } from '../support/bench-portal.js'
import type { BenchContext, Figure, Row } from '../support/figure.js'
import { type LoadResult, runLoad } from '../support/load.js'
import { ratio } from '../support/stats.js'

const connections = 32
const steadyRate = 1000

interface Target {
  url: string
  close(): Promise<void>
}

async function measure(
  start: () => Promise<Target>,
  firstMessageId: number,
  ctx: BenchContext,
  overallRate?: number,
): Promise<LoadResult> {
  const target = await start()
  try {
    const durationSec = ctx.quick ? 2 : 10
    return await runLoad({
      url: target.url,
      firstMessageId,
      connections: overallRate === undefined ? connections : 16,
      durationSec,
      warmupSec: ctx.quick ? 1 : 2,
      ...(overallRate === undefined ? {} : { overallRate }),
    })
  } finally {
    await target.close()
  }
}

/** Figure 1: POST /bitrix/events at full speed and at a steady 1,000 req/s vs bare fastify. */
export const ingestFigure: Figure = async (ctx) => {
  const portal = await startBenchPortal()
  const bridge = () =>
    startBenchBridge({
      webhookUrl: portal.portal.webhookUrl,
      outputs: { 'slack.bench': 'http://127.0.0.1:9' },
    })
  try {
    ctx.log('ingest: bare fastify, full speed')
    const bare = await measure(() => startBareFastify(), 1_000_000, ctx)
    let parsed: LoadResult | undefined
    if (!ctx.quick) {
      ctx.log('ingest: bare fastify + qs.parse, full speed')
      parsed = await measure(() => startBareFastify({ parse: true }), 1_000_000, ctx)
    }
    ctx.log('ingest: bridge, full speed')
    const full = await measure(bridge, 1_000_000, ctx)
    ctx.log(`ingest: bare fastify, ${steadyRate} req/s`)
    const bareSteady = await measure(() => startBareFastify(), 1_000_000, ctx, steadyRate)
    ctx.log(`ingest: bridge, ${steadyRate} req/s`)
    const steady = await measure(bridge, 1_000_000, ctx, steadyRate)

    const share = ratio(full.rps, bare.rps)
    const rows: Row[] = [
      {
        metric: 'req/s, full speed (2xx only)',
        value: full.rps,
        unit: 'req/s',
        baseline: 'bare fastify, same bodies, no parse',
        baselineValue: bare.rps,
        ...(share === undefined ? {} : { ratio: share }),
        goal: '≥ 60 % of bare',
        met: share !== undefined && share >= 0.6,
      },
    ]
    if (parsed !== undefined) {
      const parsedShare = ratio(parsed.rps, bare.rps)
      rows.push({
        metric: 'req/s, bare fastify + qs.parse (where the cost goes)',
        value: parsed.rps,
        unit: 'req/s',
        baseline: 'bare fastify',
        baselineValue: bare.rps,
        ...(parsedShare === undefined ? {} : { ratio: parsedShare }),
        met: null,
      })
    }
    const p50Ratio = ratio(steady.p50, bareSteady.p50)
    const p99Ratio = ratio(steady.p99, bareSteady.p99)
    rows.push(
      {
        metric: `latency p50 at ${steadyRate} req/s`,
        value: steady.p50,
        unit: 'ms',
        baseline: `bare fastify at ${steadyRate} req/s`,
        baselineValue: bareSteady.p50,
        ...(p50Ratio === undefined ? {} : { ratio: p50Ratio }),
        met: null,
      },
      {
        metric: `latency p99 at ${steadyRate} req/s`,
        value: steady.p99,
        unit: 'ms',
        baseline: `bare fastify at ${steadyRate} req/s`,
        baselineValue: bareSteady.p99,
        ...(p99Ratio === undefined ? {} : { ratio: p99Ratio }),
        goal: 'p99 ≤ 10 ms',
        met: steady.p99 <= 10,
      },
      {
        metric: 'non-2xx answers / errors (bridge, both runs)',
        value: full.non2xx + full.errors + steady.non2xx + steady.errors,
        unit: '',
        goal: '0',
        met: full.non2xx + full.errors + steady.non2xx + steady.errors === 0,
      },
    )
    return {
      id: 1,
      title: 'Ingest',
      rows,
      notes: [
        `autocannon in a child process, ${connections} connections (16 at the fixed rate), no pipelining, ` +
          `${ctx.quick ? 2 : 10} s measured after ${ctx.quick ? 1 : 2} s warm-up; every request is the ` +
          'fixture ONOPENLINEMESSAGEUPDATE form body (≈ 840 B) for a new message id, so each one is a new job.',
        'Bridge: the real app (config validation, buildApp, token check, durable SQLite enqueue with group ' +
          'commit, default synchronous=FULL, file in os.tmpdir()), workers not started so only the request ' +
          'path is measured. A fresh bridge and database per run.',
        `Bridge full speed: ${full.ok} answered 2xx in ${full.durationSec} s; at ${steadyRate} req/s: ` +
          `${steady.ok} 2xx, p50 ${steady.p50.toFixed(2)} ms, p99 ${steady.p99.toFixed(2)} ms. The fixed rate is an ` +
          "open-loop paced sender (undici, latency from each request's due time), because autocannon's " +
          "overallRate sends each second's quota back to back and so measures a burst.",
      ],
    }
  } finally {
    await portal.close()
  }
}
