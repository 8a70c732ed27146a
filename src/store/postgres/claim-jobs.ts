import { randomInt } from 'node:crypto'
import type pg from 'pg'
import { type JobRow, jobColumns, type LeasedJob, leaseToken, rowToJob } from '../sqlite/job-rows.js'
import type { ClaimOptions, Job, QueueName } from '../store.js'

/**
 * One statement claims and leases. Only the head of a key (its oldest pending job) can be claimed,
 * and only when it is due and unleased, so a key with a job under lease offers nothing and one
 * message is never worked on by two instances at once, nor out of order. `FOR UPDATE SKIP LOCKED`
 * lets instances claim side by side without waiting on each other: a head another instance is
 * leasing right now is skipped, and since its younger jobs are not heads they are skipped too.
 */
const claimSql = `
  WITH picked AS (
    SELECT j.id FROM jobs AS j
    WHERE j.queue = $1 AND j.status = 'pending' AND j.run_at <= $2
      AND (j.lease_until IS NULL OR j.lease_until < $2)
      AND NOT (j.grp = ANY($3::text[]))
      AND NOT EXISTS (
        SELECT 1 FROM jobs AS o
        WHERE o.queue = j.queue AND o.key = j.key AND o.status = 'pending' AND o.id < j.id
      )
    ORDER BY j.run_at, j.id
    LIMIT $4
    FOR UPDATE OF j SKIP LOCKED
  )
  UPDATE jobs SET lease_until = $5, lease_token = $6
  FROM picked WHERE jobs.id = picked.id
  RETURNING ${jobColumns
    .split(', ')
    .map((c) => `jobs.${c}`)
    .join(', ')}`

export async function claimJobs(
  db: pg.Pool,
  queue: QueueName,
  options: ClaimOptions,
  now: number,
): Promise<Job[]> {
  if (options.limit <= 0) return []
  // Tokens are random rather than counted so a restarted process never reissues an old one.
  const token = randomInt(2 ** 47)
  const { rows } = await db.query<JobRow>(claimSql, [
    queue,
    now,
    [...(options.excludeGroups ?? [])],
    Math.trunc(options.limit),
    now + options.leaseMs,
    token,
  ])
  rows.sort((a, b) => a.run_at - b.run_at || a.id - b.id)
  return rows.map((row) => {
    const job: LeasedJob = rowToJob(row)
    job[leaseToken] = token
    return job
  })
}
