import type Database from 'better-sqlite3'
import type { Job } from '../store.js'
import { parseJobId, tokenOf } from './job-rows.js'

/**
 * Statements that act on a job a worker claimed. Each matches the row only while it still
 * carries the worker's lease token (see job-rows.ts), so a worker whose lease expired and whose
 * job another worker re-claimed cannot delete, reschedule or bury the job under that worker.
 * A Job object without a token (built by hand, not from claim) matches on the id alone.
 * Each returns whether a row was changed, so the caller can log a lost lease.
 */
export interface JobLifecycle {
  remove(job: Job): boolean
  retry(job: Job, runAt: number, error: string, countAttempt: boolean): boolean
  bury(job: Job, reason: string, now: number): boolean
  extend(job: Job, leaseUntil: number): boolean
}

const owned = "id = @id AND status = 'pending' AND (@token IS NULL OR lease_token = @token)"

export function jobLifecycle(db: Database.Database): JobLifecycle {
  const remove = db.prepare(`DELETE FROM jobs WHERE ${owned}`)
  const retry = db.prepare(
    `UPDATE jobs SET attempts = attempts + @add, run_at = @runAt, last_error = @error,
       lease_until = NULL, lease_token = NULL
     WHERE ${owned}`,
  )
  const bury = db.prepare(
    `UPDATE jobs SET status = 'dead', dead_at = @now, reason = @reason, lease_until = NULL, lease_token = NULL
     WHERE ${owned}`,
  )
  const extend = db.prepare(`UPDATE jobs SET lease_until = @leaseUntil WHERE ${owned}`)

  const target = (job: Job) => ({ id: parseJobId(job.id) ?? -1, token: tokenOf(job) ?? null })
  return {
    remove: (job) => remove.run(target(job)).changes > 0,
    retry: (job, runAt, error, countAttempt) =>
      retry.run({ ...target(job), add: countAttempt ? 1 : 0, runAt, error }).changes > 0,
    bury: (job, reason, now) => bury.run({ ...target(job), reason, now }).changes > 0,
    extend: (job, leaseUntil) => extend.run({ ...target(job), leaseUntil }).changes > 0,
  }
}
