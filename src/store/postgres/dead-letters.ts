import type pg from 'pg'
import { type DeadJobRow, jobColumns, parseJobId, rowToDeadJob } from '../sqlite/job-rows.js'
import type { DeadJob, QueueName, QueueStats } from '../store.js'
import { type CommittedQueues, JOBS_CHANNEL } from './listen-jobs.js'

type Db = Pick<pg.ClientBase, 'query'>

export async function listDead(db: Db, queue: QueueName | undefined, limit: number): Promise<DeadJob[]> {
  const { rows } = await db.query<DeadJobRow>(
    `SELECT ${jobColumns}, dead_at, reason FROM jobs
     WHERE status = 'dead' AND ($1::text IS NULL OR queue = $1)
     ORDER BY dead_at DESC, id DESC LIMIT $2`,
    [queue ?? null, Math.max(0, Math.trunc(limit))],
  )
  return rows.map(rowToDeadJob)
}

/** Dead → pending, attempts 0, due now. A replayed job does not merge with pending jobs of its key. */
export async function replayDead(
  db: Db,
  ids: readonly string[],
  now: number,
  instanceId: string,
): Promise<{ moved: number; work: CommittedQueues }> {
  const rowIds = [...new Set(ids)].map(parseJobId).filter((id): id is number => id !== undefined)
  const work: CommittedQueues = new Map()
  if (rowIds.length === 0) return { moved: 0, work }
  // Revived and announced in one statement: running instances (this may be the CLI) wake at once.
  const { rows } = await db.query<{ queue: QueueName; moved: number }>(
    `WITH revived AS (
       UPDATE jobs SET status = 'pending', attempts = 0, run_at = $1, dead_at = NULL, reason = NULL,
         lease_until = NULL, lease_token = NULL
       WHERE id = ANY($2::bigint[]) AND status = 'dead' RETURNING queue),
     per_queue AS (SELECT queue, count(*)::int AS moved FROM revived GROUP BY queue)
     SELECT queue, moved, pg_notify('${JOBS_CHANNEL}', queue || ':' || $1::bigint || ':' || $3::text)
     FROM per_queue`,
    [now, rowIds, instanceId],
  )
  let moved = 0
  for (const row of rows) {
    moved += row.moved
    work.set(row.queue, now)
  }
  return { moved, work }
}

export async function queueStats(db: Db, queue: QueueName, now: number): Promise<QueueStats> {
  const { rows } = await db.query<QueueStats>(
    `SELECT
       count(*) FILTER (WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < $2))::int AS pending,
       count(*) FILTER (WHERE status = 'pending' AND lease_until >= $2)::int AS leased,
       count(*) FILTER (WHERE status = 'dead')::int AS dead
     FROM jobs WHERE queue = $1`,
    [queue, now],
  )
  const row = rows[0]
  return { pending: row?.pending ?? 0, leased: row?.leased ?? 0, dead: row?.dead ?? 0 }
}
