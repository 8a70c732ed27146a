import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { editOf } from './event-bodies.js'
import type { LoadChildOptions, LoadResult } from './load.js'
import { pacedLoad } from './paced-load.js'

// Runs in its own process (see load.ts) so the load generator does not share the event loop or
// the CPU profile of the server under test. Prints one LoadResult as JSON on stdout.

const options = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadChildOptions
let next = options.firstMessageId

function closedLoop(durationSec: number) {
  return autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    connections: options.connections,
    pipelining: 1,
    duration: durationSec,
    requests: [
      {
        setupRequest: (request) => {
          const body = editOf(next)
          next += 1
          return { ...request, body }
        },
      },
    ],
  })
}

async function measure(): Promise<LoadResult> {
  const rate = options.overallRate
  if (rate !== undefined) {
    const paced = (durationSec: number) =>
      pacedLoad(options.url, { rate, durationSec, connections: options.connections, firstMessageId: next })
    if (options.warmupSec > 0) {
      await paced(options.warmupSec)
      next += Math.round(rate * options.warmupSec)
    }
    const r = await paced(options.durationSec)
    return {
      requests: r.sent,
      ok: r.ok,
      rps: r.ok / options.durationSec,
      p50: r.p50,
      p99: r.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      durationSec: options.durationSec,
    }
  }
  if (options.warmupSec > 0) await closedLoop(options.warmupSec)
  const result = await closedLoop(options.durationSec)
  const ok = result['2xx']
  return {
    requests: result.requests.total,
    ok,
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationSec: result.duration,
  }
}

process.stdout.write(JSON.stringify(await measure()))
