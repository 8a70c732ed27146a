import type Database from 'better-sqlite3'
import type { DeadJob, QueueName, QueueStats } from '../store.js'
import { type DeadJobRow, jobColumns, parseJobId, rowToDeadJob } from './job-rows.js'

export interface DeadLetters {
  list(queue: QueueName | undefined, limit: number): DeadJob[]
  /** Dead → pending, attempts 0, due now. A replayed job does not merge with pending jobs of its key. */
  replay(ids: readonly string[], now: number): number
  stats(queue: QueueName, now: number): QueueStats
}

export function deadLetters(db: Database.Database): DeadLetters {
  const listAll = db.prepare<[number], DeadJobRow>(
    `SELECT ${jobColumns}, dead_at, reason FROM jobs WHERE status = 'dead'
     ORDER BY dead_at DESC, id DESC LIMIT ?`,
  )
  const listQueue = db.prepare<[QueueName, number], DeadJobRow>(
    `SELECT ${jobColumns}, dead_at, reason FROM jobs WHERE status = 'dead' AND queue = ?
     ORDER BY dead_at DESC, id DESC LIMIT ?`,
  )
  const revive = db.prepare<[number, number]>(
    `UPDATE jobs SET status = 'pending', attempts = 0, run_at = ?, dead_at = NULL, reason = NULL,
       lease_until = NULL, lease_token = NULL
     WHERE id = ? AND status = 'dead'`,
  )
  const replay = db.transaction((ids: readonly string[], now: number) => {
    let moved = 0
    for (const id of new Set(ids)) {
      const rowId = parseJobId(id)
      if (rowId !== undefined) moved += revive.run(now, rowId).changes
    }
    return moved
  })
  const count = db.prepare<{ now: number; queue: QueueName }, QueueStats>(
    `SELECT
       COALESCE(SUM(status = 'pending' AND (lease_until IS NULL OR lease_until < @now)), 0) AS pending,
       COALESCE(SUM(status = 'pending' AND lease_until >= @now), 0) AS leased,
       COALESCE(SUM(status = 'dead'), 0) AS dead
     FROM jobs WHERE queue = @queue`,
  )
  return {
    list: (queue, limit) =>
      (queue === undefined ? listAll.all(limit) : listQueue.all(queue, limit)).map(rowToDeadJob),
    replay: (ids, now) => replay.immediate(ids, now),
    stats: (queue, now) => {
      const row = count.get({ now, queue })
      return { pending: row?.pending ?? 0, leased: row?.leased ?? 0, dead: row?.dead ?? 0 }
    },
  }
}
