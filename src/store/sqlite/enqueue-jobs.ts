import type Database from 'better-sqlite3'
import { type AddPosition, addPositionOf } from '../order-key.js'
import type { CoalesceFn, JobInput, QueueName } from '../store.js'
import { serializePayload } from './job-rows.js'

/** A JobInput checked and serialized at call time, so later mutation by the caller changes nothing. */
export interface PreparedJob {
  queue: QueueName
  key: string
  group: string
  payload: unknown
  payloadJson: string
  createdAt: number
  runAt: number
  /** Set when the job adds a message: its chat position, kept in indexed columns (order-key.ts). */
  adds: AddPosition | undefined
}

export function prepareJobs(jobs: readonly JobInput[], now: number): PreparedJob[] {
  return jobs.map((job) => ({
    queue: job.queue,
    key: job.key,
    group: job.group,
    payload: job.payload,
    payloadJson: serializePayload(job.payload),
    createdAt: now,
    runAt: job.runAt ?? now,
    adds: addPositionOf(job.queue, job.payload),
  }))
}

export type WriteJobs = (jobs: readonly PreparedJob[]) => void

/**
 * Returns the writer used inside a transaction by enqueue and complete. A job merges into the
 * newest pending job of its key that no worker holds (`lease_until IS NULL`): a job under a lease,
 * even an expired one, may be completed by its worker at any moment, which would delete the merged
 * payload with it, so a new row is added instead and waits for the key to be free.
 */
export function jobWriter(db: Database.Database, coalesce: CoalesceFn | undefined): WriteJobs {
  const findPending = db.prepare<[QueueName, string], { id: number; payload: string; run_at: number }>(
    `SELECT id, payload, run_at FROM jobs
     WHERE queue = ? AND key = ? AND status = 'pending' AND lease_until IS NULL
     ORDER BY id DESC LIMIT 1`,
  )
  const merge = db.prepare<[string, number, string | null, number | null, number]>(
    'UPDATE jobs SET payload = ?, run_at = ?, add_chat = ?, add_message = ? WHERE id = ?',
  )
  const insert = db.prepare<
    [QueueName, string, string, string, number, number, string | null, number | null]
  >(
    `INSERT INTO jobs (queue, key, grp, payload, created_at, run_at, add_chat, add_message)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  return (jobs) => {
    for (const job of jobs) {
      const existing = findPending.get(job.queue, job.key)
      if (existing === undefined) {
        const { adds } = job
        insert.run(
          job.queue,
          job.key,
          job.group,
          job.payloadJson,
          job.createdAt,
          job.runAt,
          adds?.chat ?? null,
          adds?.messageId ?? null,
        )
        continue
      }
      // The default (incoming wins) needs no parse of the stored payload: keep the hot path lean.
      let payloadJson = job.payloadJson
      let adds = job.adds
      if (coalesce !== undefined) {
        const merged = coalesce(JSON.parse(existing.payload) as unknown, job.payload)
        payloadJson = serializePayload(merged)
        adds = addPositionOf(job.queue, merged)
      }
      merge.run(
        payloadJson,
        Math.min(existing.run_at, job.runAt),
        adds?.chat ?? null,
        adds?.messageId ?? null,
        existing.id,
      )
    }
  }
}
