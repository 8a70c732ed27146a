import { execFileSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startBenchPortal } from '../support/bench-portal.js'
import { startFakeSlack } from '../support/fake-slack.js'
import type { Figure, Row } from '../support/figure.js'
import { runJsonChild } from '../support/run-json-child.js'
import { benchNodeFlags } from '../support/start-flags.js'
import type { MemorySample } from './memory-child.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const buildDir = join(root, 'bench', '.build')

/**
 * The bridge as `npm start` runs it: compiled, on plain node. The whole project (bench included) is
 * compiled into bench/.build (git-ignored, inside the repo so node_modules resolve).
 */
function buildCompiledChild(): string {
  rmSync(buildDir, { recursive: true, force: true })
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), [
    '-p',
    join(root, 'tsconfig.json'),
    '--outDir',
    buildDir,
  ])
  cpSync(join(root, 'bench', 'fixtures'), join(buildDir, 'bench', 'fixtures'), { recursive: true })
  return join(buildDir, 'bench', 'figures', 'memory-child.js')
}

function runChild(childPath: string, args: object, limitMs: number): Promise<MemorySample> {
  return runJsonChild<MemorySample>(
    [...benchNodeFlags(), '--expose-gc', childPath, JSON.stringify(args)],
    limitMs,
    'memory child',
    false,
  )
}

/** RSS of a plain `node` process that does nothing: the floor under any bridge number. */
function plainNodeRssMb(): number {
  const rss = execFileSync(process.execPath, [
    '-e',
    'process.stdout.write(String(process.memoryUsage().rss))',
  ])
  return Number(rss.toString()) / 2 ** 20
}

/** Figure 6: RSS and heap with 1k / 10k / 100k queued jobs, and drain time per job at each size. */
export const memoryFigure: Figure = async (ctx) => {
  const sizes = ctx.quick ? [1000, 10_000] : [1000, 10_000, 100_000]
  const portal = await startBenchPortal()
  const slack = await startFakeSlack()
  const samples: MemorySample[] = []
  try {
    ctx.log('memory: compiling the bridge (as npm start runs it)')
    const childPath = buildCompiledChild()
    for (const [i, n] of sizes.entries()) {
      ctx.log(`memory: ${n} queued jobs in a fresh process`)
      const args = {
        n,
        firstId: 6_000_000 + i * 1_000_000,
        webhookUrl: portal.portal.webhookUrl,
        slackUrl: slack.url,
      }
      samples.push(await runChild(childPath, args, 120_000 + n * 10))
    }
  } finally {
    await slack.close()
    await portal.close()
    rmSync(buildDir, { recursive: true, force: true })
  }
  const plainMb = plainNodeRssMb()
  const first = samples[0]
  const perJobBase = first === undefined ? Number.NaN : (first.drainSec * 1000) / first.n
  const rows: Row[] = []
  for (const s of samples) {
    const perJob = (s.drainSec * 1000) / s.n
    const tenK = s.n === 10_000
    const rss = (what: string, value: number): Row => ({
      metric: `${s.n} jobs: RSS ${what}`,
      value,
      unit: 'MB',
      baseline: 'same bridge idle, nothing queued',
      baselineValue: s.idle.rssMb,
      ratio: value / s.idle.rssMb,
      ...(tenK ? { goal: '≤ 120 MB at 10k', met: value <= 120 } : { met: null }),
    })
    rows.push(
      rss('with the jobs queued', s.queued.rssMb),
      rss('peak while draining', s.peak.rssMb),
      {
        metric: `${s.n} jobs: heap used queued (peak while draining ${s.peak.heapMb.toFixed(0)} MB, after ${s.after.heapMb.toFixed(0)} MB)`,
        value: s.queued.heapMb,
        unit: 'MB',
        baseline: 'idle',
        baselineValue: s.idle.heapMb,
        ratio: s.queued.heapMb / s.idle.heapMb,
        met: null,
      },
      {
        metric: `${s.n} jobs: drain time per job`,
        value: perJob,
        unit: 'ms',
        baseline: `per job at ${first?.n ?? '?'}`,
        baselineValue: perJobBase,
        ratio: perJob / perJobBase,
        ...(s === first
          ? { met: null }
          : { goal: 'flat (≤ 1.5× the 1k cost)', met: perJob <= 1.5 * perJobBase && !s.timedOut }),
      },
    )
  }
  return {
    id: 6,
    title: 'Memory and growth',
    rows,
    notes: [
      `Sizes ${sizes.join(', ')}${ctx.quick ? ' (quick: no 100k)' : ''}; one child process per size ` +
        `(node ${[...benchNodeFlags(), '--expose-gc'].join(' ')} on the compiled build, as \`npm start\` runs the bridge${benchNodeFlags().length > 0 ? ', plus BENCH_NODE_FLAGS' : ''}); idle, queued and after-drain ` +
        'values after a forced GC, peaks sampled every 50 ms without forcing GC (what the OS sees). Jobs are enqueued directly through ' +
        'store.enqueue (500 per call, the fixture event normalized), not over HTTP, then the workers start ' +
        'and drain them to the Slack-like output; drain ends when no fetch or deliver job is pending or leased.',
      'The bucket is lifted (portal unlimited, bridge rateLimit 1,000,000) so drain time measures the ' +
        'bridge itself, not Bitrix24; coalesceWindowMs 0. The fake portal and output run in the parent process.',
      `RSS before any bridge module was imported: ${first?.rssAtStartMb.toFixed(0) ?? '?'} MB; a plain node ` +
        `process that does nothing has ${plainMb.toFixed(0)} MB.`,
      ...samples.map(
        (s) =>
          `${s.n}: enqueued in ${s.enqueueSec.toFixed(2)} s, drained in ${s.drainSec.toFixed(1)} s` +
          `${s.timedOut ? ' (TIMED OUT)' : ''}; idle RSS ${s.idle.rssMb.toFixed(0)} MB.`,
      ),
    ],
  }
}
