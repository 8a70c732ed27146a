import type { JobInput } from '../../src/store/store.js'

// One queue size in a fresh process (see memory.ts), so RSS is not inherited from earlier runs.
// argv[2]: JSON { n, firstId, webhookUrl, slackUrl }. Prints one MemorySample as JSON on stdout.

export interface MemorySample {
  n: number
  /** Node alone, before the bridge's modules are imported. */
  rssAtStartMb: number
  /** The bridge built and started, nothing queued (after GC). */
  idle: { rssMb: number; heapMb: number }
  /** n fetch jobs queued, workers not started yet (after GC). */
  queued: { rssMb: number; heapMb: number }
  /** Highest values sampled every 50 ms while draining. */
  peak: { rssMb: number; heapMb: number }
  /** Drained, workers still up (after GC): what stays. */
  after: { rssMb: number; heapMb: number }
  enqueueSec: number
  drainSec: number
  timedOut: boolean
}

const mb = (bytes: number) => bytes / 2 ** 20
const gc = () => (globalThis as { gc?: () => void }).gc?.()
function snapshot() {
  gc()
  const m = process.memoryUsage()
  return { rssMb: mb(m.rss), heapMb: mb(m.heapUsed) }
}

const rssAtStartMb = mb(process.memoryUsage().rss)
const { n, firstId, webhookUrl, slackUrl } = JSON.parse(process.argv[2] ?? '{}') as {
  n: number
  firstId: number
  webhookUrl: string
  slackUrl: string
}
// The heap setting the CLI applies before anything else (OPENLINE_BRIDGE_HEAP_GROWING_PERCENT).
const { tuneHeap } = await import('../../src/runtime/tune-heap.js')
tuneHeap()
const { startBenchBridge } = await import('../support/bench-bridge.js')
const { fetchJob } = await import('../../src/pipeline/jobs.js')
const { fixturePortal, normalizedEdit } = await import('../support/event-bodies.js')
const { sleep } = await import('../support/wait.js')

const bridge = await startBenchBridge({
  webhookUrl,
  outputs: { 'slack.bench': slackUrl },
  pipeline: { coalesceWindowMs: 0 },
  // The bucket is not what this figure measures: per-job cost of the bridge itself.
  bitrix: { rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } },
})
const idle = snapshot()
const enqueueStart = performance.now()
const ts = Math.floor(Date.now() / 1000)
for (let i = 0; i < n; i += 500) {
  const jobs: JobInput[] = []
  for (let id = firstId + i; id < firstId + Math.min(n, i + 500); id += 1) {
    jobs.push(fetchJob(fixturePortal.memberId, normalizedEdit(id, ts)))
  }
  await bridge.app.store.enqueue(jobs)
}
const enqueueSec = (performance.now() - enqueueStart) / 1000
const queued = snapshot()

const peak = { ...queued }
const sampler = setInterval(() => {
  const m = process.memoryUsage()
  peak.rssMb = Math.max(peak.rssMb, mb(m.rss))
  peak.heapMb = Math.max(peak.heapMb, mb(m.heapUsed))
}, 50)
const store = bridge.app.store
const busy = async () => {
  const [f, d] = await Promise.all([store.stats('fetch'), store.stats('deliver')])
  return f.pending + f.leased + d.pending + d.leased
}
const drainStart = performance.now()
await bridge.app.start()
const deadline = drainStart + Math.max(60_000, n * 5)
let timedOut = false
while ((await busy()) > 0) {
  if (performance.now() > deadline) {
    timedOut = true
    break
  }
  await sleep(100)
}
const drainSec = (performance.now() - drainStart) / 1000
clearInterval(sampler)
const after = snapshot()
await bridge.close()
const sample: MemorySample = { n, rssAtStartMb, idle, queued, peak, after, enqueueSec, drainSec, timedOut }
process.stdout.write(JSON.stringify(sample))
