import { createInterface } from 'node:readline'

// The bridge alone in a process (see cpu-per-edit.ts), so its CPU time is not mixed with the load
// generator's, the fake portal's or the fake output's. argv[2]: JSON { webhookUrl, slackUrl }.
// Prints `{"url": …}` once listening; then answers each `cpu` line on stdin with one JSON line
// { userUs, systemUs, atMs } and exits on `stop`.

export interface CpuReading {
  userUs: number
  systemUs: number
  /** performance.now() in the child when read. */
  atMs: number
}

const { webhookUrl, slackUrl } = JSON.parse(process.argv[2] ?? '{}') as {
  webhookUrl: string
  slackUrl: string
}
// The heap setting the CLI applies before anything else (OPENLINE_BRIDGE_HEAP_GROWING_PERCENT).
const { tuneHeap } = await import('../../src/runtime/tune-heap.js')
tuneHeap()
const { startBenchBridge } = await import('../support/bench-bridge.js')
const bridge = await startBenchBridge({
  webhookUrl,
  outputs: { 'slack.bench': slackUrl },
  startWorkers: true,
})
const write = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`)
write({ url: bridge.url })
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'cpu') {
    const usage = process.cpuUsage()
    write({ userUs: usage.user, systemUs: usage.system, atMs: performance.now() } satisfies CpuReading)
  } else if (line === 'stop') break
}
await bridge.close()
process.exit(0)
