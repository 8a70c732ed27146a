import type { DeadJob, Job, QueueName } from '../store.js'

/**
 * Each claim stamps the row with a fresh token and hands it out on the Job object under this
 * symbol (enumerable, so `{...job}` keeps it; JSON and logs never show it). complete/retry/
 * deadLetter/extendLease act on the row only while it still carries that token, i.e. while no
 * other worker has re-claimed the job after our lease expired.
 */
export const leaseToken: unique symbol = Symbol('openline-bridge.sqlite.leaseToken')

export type LeasedJob = Job & { [leaseToken]?: number }

export function tokenOf(job: Job): number | undefined {
  return (job as LeasedJob)[leaseToken]
}

export interface JobRow {
  id: number
  queue: QueueName
  key: string
  grp: string
  payload: string
  attempts: number
  created_at: number
  run_at: number
  last_error: string | null
}

export interface DeadJobRow extends JobRow {
  dead_at: number
  reason: string | null
}

export const jobColumns = 'id, queue, key, grp, payload, attempts, created_at, run_at, last_error'

/** `lastError` of a job claimed again after its lease ran out (both stores). */
export const leaseExpiredError =
  'its lease ran out before it finished: the process handling it crashed, was killed or hung (counted as an attempt)'

export function rowToJob(row: JobRow): Job {
  const job: Job = {
    id: String(row.id),
    queue: row.queue,
    key: row.key,
    group: row.grp,
    payload: JSON.parse(row.payload) as unknown,
    attempts: row.attempts,
    createdAt: row.created_at,
    runAt: row.run_at,
  }
  if (row.last_error !== null) job.lastError = row.last_error
  return job
}

export function rowToDeadJob(row: DeadJobRow): DeadJob {
  return { ...rowToJob(row), deadAt: row.dead_at, reason: row.reason ?? '' }
}

/** Jobs ids are strings in the contract; anything that is not a positive integer matches no row. */
export function parseJobId(id: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : undefined
}

export function serializePayload(payload: unknown): string {
  return JSON.stringify(payload) ?? 'null'
}
