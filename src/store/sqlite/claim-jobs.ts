import { randomInt } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { ClaimOptions, Job, QueueName } from '../store.js'
import {
  type JobRow,
  jobColumns,
  type LeasedJob,
  leaseExpiredError,
  leaseToken,
  rowToJob,
} from './job-rows.js'

export type ClaimJobs = (queue: QueueName, options: ClaimOptions, now: number) => Job[]

/**
 * A job is due when its run time has come and no worker holds it (never leased, or its lease
 * expired: a crashed worker's job becomes claimable again). A key is skipped while any of its jobs
 * is under an unexpired lease, so one message is never worked on twice at once; of several due jobs
 * of one key only the oldest is taken.
 *
 * Groups take turns (see `Store.claim`): the groups with pending jobs are found by a skip-scan of
 * the `jobs_pending_group` index (one seek per group, however many jobs each holds), each gives
 * its oldest due jobs (at most `limit`, from the same index), and the claim takes one job of each
 * group in turn, starting after the group that was served last by the previous claim.
 */
export function jobClaimer(db: Database.Database): ClaimJobs {
  const nextGroup = db.prepare<{ queue: QueueName; after: string }, { grp: string }>(
    `SELECT grp FROM jobs WHERE queue = @queue AND status = 'pending' AND grp > @after
     ORDER BY grp LIMIT 1`,
  )
  const dueInGroup = db.prepare<{ queue: QueueName; grp: string; now: number; limit: number }, JobRow>(
    `SELECT ${jobColumns} FROM jobs AS j
     WHERE queue = @queue AND grp = @grp AND status = 'pending' AND run_at <= @now
       AND (lease_until IS NULL OR lease_until < @now)
       AND NOT EXISTS (
         SELECT 1 FROM jobs AS l
         WHERE l.queue = j.queue AND l.key = j.key AND l.status = 'pending' AND l.lease_until >= @now
       )
     ORDER BY run_at, id LIMIT @limit`,
  )
  // A lease still set on a due job ran out without its worker finishing, retrying or burying the
  // job: its worker crashed or hung. That counts as an attempt (Store.claim).
  const lease = db.prepare<[number, number, string, number], { attempts: number; last_error: string | null }>(
    `UPDATE jobs SET lease_until = ?, lease_token = ?,
       attempts = attempts + (lease_until IS NOT NULL),
       last_error = CASE WHEN lease_until IS NOT NULL THEN ? ELSE last_error END
     WHERE id = ? RETURNING attempts, last_error`,
  )
  /** Per queue: the group served last, so the next claim starts with the one after it. */
  const lastServed = new Map<QueueName, string>()

  function groupsWithPending(queue: QueueName): string[] {
    const groups: string[] = []
    let after = ''
    for (;;) {
      const row = nextGroup.get({ queue, after })
      if (row === undefined) return groups
      groups.push(row.grp)
      after = row.grp
    }
  }

  /** The groups, rotated to start after the one served last. */
  function inTurn(queue: QueueName, groups: string[]): string[] {
    const last = lastServed.get(queue)
    if (last === undefined) return groups
    const start = groups.findIndex((g) => g > last)
    return start <= 0 ? groups : [...groups.slice(start), ...groups.slice(0, start)]
  }

  const claim = db.transaction((queue: QueueName, options: ClaimOptions, now: number): Job[] => {
    if (options.limit <= 0) return []
    const excluded = new Set(options.excludeGroups ?? [])
    const lists: JobRow[][] = []
    for (const grp of inTurn(queue, groupsWithPending(queue))) {
      if (excluded.has(grp)) continue
      const rows = dueInGroup.all({ queue, grp, now, limit: options.limit })
      if (rows.length > 0) lists.push(rows)
    }
    const picked: JobRow[] = []
    const keys = new Set<string>()
    for (let turn = 0; picked.length < options.limit && lists.some((l) => turn < l.length); turn++) {
      for (const rows of lists) {
        const row = rows[turn]
        if (row === undefined || keys.has(row.key)) continue
        keys.add(row.key)
        picked.push(row)
        lastServed.set(queue, row.grp)
        if (picked.length >= options.limit) break
      }
    }
    // Tokens are random rather than counted so a restarted process never reissues an old one.
    const token = randomInt(2 ** 47)
    const leaseUntil = now + options.leaseMs
    return picked.map((row) => {
      const leased = lease.get(leaseUntil, token, leaseExpiredError, row.id)
      if (leased !== undefined) {
        row.attempts = leased.attempts
        row.last_error = leased.last_error
      }
      const job: LeasedJob = rowToJob(row)
      job[leaseToken] = token
      return job
    })
  })
  return (queue, options, now) => claim.immediate(queue, options, now)
}
