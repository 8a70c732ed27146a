import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runJsonChild } from './run-json-child.js'

export interface LoadOptions {
  url: string
  /** Request n posts an edit of message `firstMessageId + n` (the fixture body): every request is new work. */
  firstMessageId: number
  connections: number
  durationSec: number
  /** Steady open-loop rate (paced-load.ts); none = autocannon, as fast as the server answers. */
  overallRate?: number
  /** Unmeasured run before the measured one (JIT, connection setup). */
  warmupSec?: number
}

export interface LoadChildOptions extends LoadOptions {
  warmupSec: number
}

export interface LoadResult {
  requests: number
  /** 2xx answers. */
  ok: number
  /** 2xx answers per second. */
  rps: number
  /** Latency percentiles in ms (at a fixed rate: counted from each request's due time). */
  p50: number
  p99: number
  non2xx: number
  errors: number
  durationSec: number
}

const childPath = fileURLToPath(new URL('./load-child.ts', import.meta.url))

/**
 * Load against `url` from a child process (autocannon closed loop, or paced open loop at `overallRate`) (node --import tsx), bounded by `durationSec`;
 * the child is killed if it overruns by 30 s. Never inherits this process's --cpu-prof flags.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'olb-load-'))
  const file = join(dir, 'options.json')
  await writeFile(file, JSON.stringify({ warmupSec: 0, ...options } satisfies LoadChildOptions))
  const limitMs = ((options.warmupSec ?? 0) + options.durationSec + 120) * 1000
  try {
    return await runJsonChild<LoadResult>([childPath, file], limitMs, 'load generator')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
