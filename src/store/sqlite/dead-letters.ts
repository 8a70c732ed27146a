import type Database from 'better-sqlite3'
import type { DeadJob, JobState, QueueName, QueueStats } from '../store.js'
import { type DeadJobRow, jobColumns, parseJobId, rowToDeadJob } from './job-rows.js'

export interface DeadLetters {
  list(queue: QueueName | undefined, limit: number): DeadJob[]
  /** Dead → pending, attempts 0, due now. A replayed job does not merge with pending jobs of its key. */
  replay(ids: readonly string[], now: number): number
  stats(queue: QueueName, now: number): QueueStats
  /** Deletes dead jobs (only dead ones). */
  discard(ids: readonly string[]): number
  states(ids: readonly string[], now: number): Record<string, JobState>
  oldestPending(queue: QueueName): number | undefined
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
  const remove = db.prepare<[number]>(`DELETE FROM jobs WHERE id = ? AND status = 'dead'`)
  const discard = db.transaction((ids: readonly string[]) => {
    let removed = 0
    for (const id of new Set(ids)) {
      const rowId = parseJobId(id)
      if (rowId !== undefined) removed += remove.run(rowId).changes
    }
    return removed
  })
  const stateOf = db.prepare<[number], { status: string; lease_until: number | null }>(
    'SELECT status, lease_until FROM jobs WHERE id = ?',
  )
  const oldest = db.prepare<[QueueName], { oldest: number | null }>(
    `SELECT MIN(created_at) AS oldest FROM jobs WHERE queue = ? AND status = 'pending'`,
  )
  return {
    discard: (ids) => discard.immediate(ids),
    states(ids, now) {
      const out: Record<string, JobState> = {}
      for (const id of ids) {
        const rowId = parseJobId(id)
        const row = rowId === undefined ? undefined : stateOf.get(rowId)
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
    },
    oldestPending: (queue) => oldest.get(queue)?.oldest ?? undefined,
    list: (queue, limit) =>
      (queue === undefined ? listAll.all(limit) : listQueue.all(queue, limit)).map(rowToDeadJob),
    replay: (ids, now) => replay.immediate(ids, now),
    stats: (queue, now) => {
      const row = count.get({ now, queue })
      return { pending: row?.pending ?? 0, leased: row?.leased ?? 0, dead: row?.dead ?? 0 }
    },
  }
}
