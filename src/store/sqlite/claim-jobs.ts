import { randomInt } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { ClaimOptions, Job, QueueName } from '../store.js'
import { type JobRow, jobColumns, type LeasedJob, leaseToken, rowToJob } from './job-rows.js'

export type ClaimJobs = (queue: QueueName, options: ClaimOptions, now: number) => Job[]

/**
 * A job is due when its run time has come and no worker holds it (never leased, or its lease
 * expired: a crashed worker's job becomes claimable again). A key is skipped while any of its jobs
 * is under an unexpired lease, so one message is never worked on twice at once; of several due jobs
 * of one key only the oldest is taken.
 */
export function jobClaimer(db: Database.Database): ClaimJobs {
  const due = db.prepare<{ queue: QueueName; now: number; exclude: string }, JobRow>(
    `SELECT ${jobColumns} FROM jobs AS j
     WHERE queue = @queue AND status = 'pending' AND run_at <= @now
       AND (lease_until IS NULL OR lease_until < @now)
       AND grp NOT IN (SELECT value FROM json_each(@exclude))
       AND NOT EXISTS (
         SELECT 1 FROM jobs AS l
         WHERE l.queue = j.queue AND l.key = j.key AND l.status = 'pending' AND l.lease_until >= @now
       )
     ORDER BY run_at, id`,
  )
  const lease = db.prepare<[number, number, number]>(
    'UPDATE jobs SET lease_until = ?, lease_token = ? WHERE id = ?',
  )
  const claim = db.transaction((queue: QueueName, options: ClaimOptions, now: number): Job[] => {
    if (options.limit <= 0) return []
    const picked: JobRow[] = []
    const keys = new Set<string>()
    const exclude = JSON.stringify(options.excludeGroups ?? [])
    for (const row of due.iterate({ queue, now, exclude })) {
      if (keys.has(row.key)) continue
      keys.add(row.key)
      picked.push(row)
      if (picked.length >= options.limit) break
    }
    // Tokens are random rather than counted so a restarted process never reissues an old one.
    const token = randomInt(2 ** 47)
    const leaseUntil = now + options.leaseMs
    return picked.map((row) => {
      lease.run(leaseUntil, token, row.id)
      const job: LeasedJob = rowToJob(row)
      job[leaseToken] = token
      return job
    })
  })
  return (queue, options, now) => claim.immediate(queue, options, now)
}
