import type Database from 'better-sqlite3'
import type { MinuteActivity } from '../store.js'

export interface Activity {
  countEvents(counts: readonly { minute: number; events: number }[]): void
  since(since: number): MinuteActivity[]
}

const MINUTE = 60_000

/** Per-minute activity for the console: events from `event_minutes`, the rest from the delivery log. */
export function activity(db: Database.Database): Activity {
  const add = db.prepare<[number, number]>(
    `INSERT INTO event_minutes (minute, events) VALUES (?, ?)
     ON CONFLICT (minute) DO UPDATE SET events = events + excluded.events`,
  )
  const addAll = db.transaction((counts: readonly { minute: number; events: number }[]) => {
    for (const c of counts) add.run(Math.floor(c.minute / MINUTE) * MINUTE, c.events)
  })
  const events = db.prepare<[number], { minute: number; n: number }>(
    'SELECT minute, events AS n FROM event_minutes WHERE minute >= ?',
  )
  const reads = db.prepare<[number], { minute: number; n: number }>(
    `SELECT (at / ${MINUTE}) * ${MINUTE} AS minute, COUNT(*) AS n FROM delivery_log
     WHERE at >= ? AND output = '-' AND action = 'read' GROUP BY 1`,
  )
  const delivered = db.prepare<[number], { minute: number; latency: number | null }>(
    `SELECT (at / ${MINUTE}) * ${MINUTE} AS minute, at - received_at AS latency FROM delivery_log
     WHERE at >= ? AND output != '-' AND status = 'delivered'`,
  )
  return {
    countEvents: (counts) => addAll.immediate(counts),
    since(since) {
      const from = Math.floor(since / MINUTE) * MINUTE
      const minutes = new Map<number, MinuteActivity & { latencies: number[] }>()
      const at = (minute: number) => {
        let m = minutes.get(minute)
        if (m === undefined) {
          m = { minute, events: 0, reads: 0, deliveries: 0, latencies: [] }
          minutes.set(minute, m)
        }
        return m
      }
      for (const row of events.iterate(from)) at(row.minute).events += row.n
      for (const row of reads.iterate(from)) at(row.minute).reads += row.n
      for (const row of delivered.iterate(from)) {
        const m = at(row.minute)
        m.deliveries++
        if (row.latency !== null) m.latencies.push(row.latency)
      }
      return [...minutes.values()]
        .sort((a, b) => a.minute - b.minute)
        .map(({ latencies, ...m }) => {
          if (latencies.length === 0) return m
          latencies.sort((a, b) => a - b)
          return { ...m, latencyP50: percentile(latencies, 0.5), latencyP95: percentile(latencies, 0.95) }
        })
    },
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0
}
