import { randomInt } from 'node:crypto'
import type pg from 'pg'
import {
  type JobRow,
  jobColumns,
  type LeasedJob,
  leaseExpiredError,
  leaseToken,
  rowToJob,
} from '../sqlite/job-rows.js'
import type { ClaimOptions, Job, QueueName } from '../store.js'

/**
 * One statement claims and leases. Groups take turns: due heads are numbered per group (oldest
 * first), the claim takes every group's first, then every group's second, and so on, starting
 * after the group this instance served last. Only the head of a key (its oldest pending job) can be claimed,
 * and only when it is due and unleased, so a key with a job under lease offers nothing and one
 * message is never worked on by two instances at once, nor out of order. `FOR UPDATE SKIP LOCKED`
 * lets instances claim side by side without waiting on each other: a head another instance is
 * leasing right now is skipped, and since its younger jobs are not heads they are skipped too.
 */
const claimSql = `
  WITH due AS (
    SELECT j.id, j.grp, j.run_at,
      ROW_NUMBER() OVER (PARTITION BY j.grp ORDER BY j.run_at, j.id) AS turn
    FROM jobs AS j
    WHERE j.queue = $1 AND j.status = 'pending' AND j.run_at <= $2
      AND (j.lease_until IS NULL OR j.lease_until < $2)
      AND NOT (j.grp = ANY($3::text[]))
      AND NOT EXISTS (
        SELECT 1 FROM jobs AS o
        WHERE o.queue = j.queue AND o.key = j.key AND o.status = 'pending' AND o.id < j.id
      )
  ), ranked AS (
    SELECT id FROM due WHERE turn <= $4
    ORDER BY turn, (grp <= $7), grp, run_at, id
    LIMIT $4
  ), picked AS (
    -- The conditions again where the row is locked: Postgres re-checks them against the row's
    -- latest version, so a job another instance leased meanwhile is not taken twice.
    SELECT j.id FROM jobs AS j
    WHERE j.id IN (SELECT id FROM ranked)
      AND j.queue = $1 AND j.status = 'pending' AND j.run_at <= $2
      AND (j.lease_until IS NULL OR j.lease_until < $2)
      AND NOT EXISTS (
        SELECT 1 FROM jobs AS o
        WHERE o.queue = j.queue AND o.key = j.key AND o.status = 'pending' AND o.id < j.id
      )
    FOR UPDATE OF j SKIP LOCKED
  )
  -- A lease still set ran out without its worker finishing the job (it crashed or hung): that
  -- counts as an attempt (Store.claim).
  UPDATE jobs SET lease_until = $5, lease_token = $6,
    attempts = jobs.attempts + CASE WHEN jobs.lease_until IS NOT NULL THEN 1 ELSE 0 END,
    last_error = CASE WHEN jobs.lease_until IS NOT NULL THEN $8 ELSE jobs.last_error END
  FROM picked WHERE jobs.id = picked.id
  RETURNING ${jobColumns
    .split(', ')
    .map((c) => `jobs.${c}`)
    .join(', ')}`

/**
 * The group served last by this instance's previous claim of each queue: the next claim starts
 * with the group after it (Store.claim: groups take turns, and successive claims rotate).
 */
export type ClaimRotation = Map<QueueName, string>

/** The group whose job came last in the claim's order (most turns, then last in rotated order). */
function lastServed(rows: readonly JobRow[], after: string): string | undefined {
  const turns = new Map<string, number>()
  for (const row of rows) turns.set(row.grp, (turns.get(row.grp) ?? 0) + 1)
  const most = Math.max(0, ...turns.values())
  const groups = [...turns].filter(([, n]) => n === most).map(([g]) => g)
  groups.sort((a, b) => Number(a <= after) - Number(b <= after) || (a < b ? -1 : a > b ? 1 : 0))
  return groups.at(-1)
}

export async function claimJobs(
  db: pg.Pool,
  queue: QueueName,
  options: ClaimOptions,
  now: number,
  rotation: ClaimRotation = new Map(),
): Promise<Job[]> {
  if (options.limit <= 0) return []
  const after = rotation.get(queue) ?? ''
  // Tokens are random rather than counted so a restarted process never reissues an old one.
  const token = randomInt(2 ** 47)
  const { rows } = await db.query<JobRow>(claimSql, [
    queue,
    now,
    [...(options.excludeGroups ?? [])],
    Math.trunc(options.limit),
    now + options.leaseMs,
    token,
    after,
    leaseExpiredError,
  ])
  const last = lastServed(rows, after)
  if (last !== undefined) rotation.set(queue, last)
  rows.sort((a, b) => a.run_at - b.run_at || a.id - b.id)
  return rows.map((row) => {
    const job: LeasedJob = rowToJob(row)
    job[leaseToken] = token
    return job
  })
}
