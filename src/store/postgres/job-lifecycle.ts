import type pg from 'pg'
import { parseJobId, tokenOf } from '../sqlite/job-rows.js'
import type { Job } from '../store.js'
import { JOBS_CHANNEL } from './listen-jobs.js'

/**
 * Statements that act on a job a worker claimed. Each matches the row only while it still carries
 * the worker's lease token, so a worker whose lease expired and whose job another worker (maybe
 * another instance) re-claimed cannot delete, reschedule or bury the job under it. A Job without a
 * token (built by hand, not from claim) matches on the id alone. Each returns whether a row changed.
 */
const owned = "id = $1 AND status = 'pending' AND ($2::bigint IS NULL OR lease_token = $2::bigint)"

type Db = Pick<pg.ClientBase, 'query'>

const target = (job: Job): [number, number | null] => [parseJobId(job.id) ?? -1, tokenOf(job) ?? null]
const changed = (result: pg.QueryResult) => (result.rowCount ?? 0) > 0

export const removeJob = async (db: Db, job: Job) =>
  changed(await db.query(`DELETE FROM jobs WHERE ${owned}`, target(job)))

/** Rescheduled and announced in one statement (other instances may be idle when it comes due). */
export const retryJob = async (
  db: Db,
  job: Job,
  runAt: number,
  error: string,
  countAttempt: boolean,
  instanceId: string,
) =>
  changed(
    await db.query(
      `WITH moved AS (
         UPDATE jobs SET attempts = attempts + $3, run_at = $4, last_error = $5, lease_until = NULL,
           lease_token = NULL
         WHERE ${owned} RETURNING queue)
       SELECT pg_notify('${JOBS_CHANNEL}', queue || ':' || $4::bigint || ':' || $6::text) FROM moved`,
      [...target(job), countAttempt ? 1 : 0, runAt, error, instanceId],
    ),
  )

export const buryJob = async (db: Db, job: Job, reason: string, now: number) =>
  changed(
    await db.query(
      `UPDATE jobs SET status = 'dead', dead_at = $3, reason = $4, lease_until = NULL, lease_token = NULL
       WHERE ${owned}`,
      [...target(job), now, reason],
    ),
  )

export const extendJobLease = async (db: Db, job: Job, leaseUntil: number) =>
  changed(await db.query(`UPDATE jobs SET lease_until = $3 WHERE ${owned}`, [...target(job), leaseUntil]))
