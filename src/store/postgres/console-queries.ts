import type pg from 'pg'
import { parseJobId } from '../sqlite/job-rows.js'
import type { JobState, MinuteActivity, QueueName } from '../store.js'

type Db = Pick<pg.ClientBase, 'query'>

const MINUTE = 60_000

/** Deletes dead jobs (only dead ones); returns how many. */
export async function discardDead(db: Db, ids: readonly string[]): Promise<number> {
  const rowIds = [...new Set(ids)].map(parseJobId).filter((id): id is number => id !== undefined)
  if (rowIds.length === 0) return 0
  const res = await db.query(`DELETE FROM jobs WHERE id = ANY($1::bigint[]) AND status = 'dead'`, [rowIds])
  return res.rowCount ?? 0
}

export async function jobStates(
  db: Db,
  ids: readonly string[],
  now: number,
): Promise<Record<string, JobState>> {
  const rowIds = ids.map(parseJobId).filter((id): id is number => id !== undefined)
  const { rows } = await db.query<{ id: number; status: string; lease_until: number | null }>(
    'SELECT id, status, lease_until FROM jobs WHERE id = ANY($1::bigint[])',
    [rowIds],
  )
  const byId = new Map(rows.map((r) => [String(r.id), r]))
  const out: Record<string, JobState> = {}
  for (const id of ids) {
    const row = byId.get(String(parseJobId(id)))
    out[id] =
      row === undefined
        ? 'gone'
        : row.status === 'dead'
          ? 'dead'
          : row.lease_until !== null && row.lease_until >= now
            ? 'leased'
            : 'pending'
  }
  return out
}

export async function oldestPending(db: Db, queue: QueueName): Promise<number | undefined> {
  const { rows } = await db.query<{ oldest: number | null }>(
    `SELECT MIN(created_at) AS oldest FROM jobs WHERE queue = $1 AND status = 'pending'`,
    [queue],
  )
  return rows[0]?.oldest ?? undefined
}

export async function countEvents(
  db: Db,
  counts: readonly { minute: number; events: number }[],
): Promise<void> {
  for (const c of counts) {
    await db.query(
      `INSERT INTO event_minutes (minute, events) VALUES ($1, $2)
       ON CONFLICT (minute) DO UPDATE SET events = event_minutes.events + excluded.events`,
      [Math.floor(c.minute / MINUTE) * MINUTE, c.events],
    )
  }
}

/** Per-minute events, reads, deliveries and latency percentiles (nearest rank, like SQLite's). */
export async function activity(db: Db, since: number): Promise<MinuteActivity[]> {
  const from = Math.floor(since / MINUTE) * MINUTE
  const { rows } = await db.query<{
    minute: number
    events: number
    reads: number
    deliveries: number
    p50: number | null
    p95: number | null
  }>(
    `WITH log AS (
       SELECT (at / ${MINUTE}) * ${MINUTE} AS minute, output, action, status, at - received_at AS latency
       FROM delivery_log WHERE at >= $1),
     per_minute AS (
       SELECT minute,
         count(*) FILTER (WHERE output = '-' AND action = 'read')::int AS reads,
         count(*) FILTER (WHERE output <> '-' AND status = 'delivered')::int AS deliveries,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY latency)
           FILTER (WHERE output <> '-' AND status = 'delivered' AND latency IS NOT NULL) AS p50,
         percentile_disc(0.95) WITHIN GROUP (ORDER BY latency)
           FILTER (WHERE output <> '-' AND status = 'delivered' AND latency IS NOT NULL) AS p95
       FROM log GROUP BY minute)
     SELECT COALESCE(p.minute, e.minute) AS minute, COALESCE(e.events, 0)::int AS events,
       COALESCE(p.reads, 0) AS reads, COALESCE(p.deliveries, 0) AS deliveries, p.p50, p.p95
     FROM per_minute p FULL JOIN (SELECT minute, events FROM event_minutes WHERE minute >= $1) e
       ON e.minute = p.minute
     ORDER BY 1`,
    [from],
  )
  return rows.map((r) => {
    const m: MinuteActivity = {
      minute: Number(r.minute),
      events: r.events,
      reads: r.reads,
      deliveries: r.deliveries,
    }
    if (r.p50 !== null) m.latencyP50 = Number(r.p50)
    if (r.p95 !== null) m.latencyP95 = Number(r.p95)
    return m
  })
}
