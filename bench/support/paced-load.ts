import { Pool } from 'undici'
import { editOf, formType } from './event-bodies.js'
import { summarize } from './stats.js'
import { sleep } from './wait.js'

export interface PacedResult {
  sent: number
  ok: number
  non2xx: number
  errors: number
  p50: number
  p99: number
}

/**
 * Open-loop load at a steady `rate`: request k is due at start + k/rate and its latency is counted
 * from that due time, so a server that falls behind shows it (no coordinated omission). autocannon's
 * `overallRate` sends each second's quota back to back at the start of the second, which measures a
 * burst, not a steady rate; hence this.
 */
export async function pacedLoad(
  url: string,
  options: { rate: number; durationSec: number; connections: number; firstMessageId: number },
): Promise<PacedResult> {
  const target = new URL(url)
  const pool = new Pool(target.origin, { connections: options.connections })
  const total = Math.round(options.rate * options.durationSec)
  const latencies: number[] = []
  let ok = 0
  let non2xx = 0
  let errors = 0
  const one = async (k: number, due: number) => {
    try {
      const res = await pool.request({
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': formType },
        body: editOf(options.firstMessageId + k),
      })
      await res.body.dump()
      if (res.statusCode >= 200 && res.statusCode < 300) ok += 1
      else non2xx += 1
    } catch {
      errors += 1
    }
    latencies.push(performance.now() - due)
  }
  const inFlight: Promise<void>[] = []
  const start = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000) + 1)
    for (; sent < due; sent += 1) inFlight.push(one(sent, start + (sent * 1000) / options.rate))
    await sleep(1)
  }
  await Promise.all(inFlight)
  await pool.close()
  const s = summarize(latencies)
  return { sent: total, ok, non2xx, errors, p50: s.p50, p99: s.p99 }
}
