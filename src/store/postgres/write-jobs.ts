import type pg from 'pg'
import { type AddPosition, addPositionOf } from '../order-key.js'
import type { PreparedJob } from '../sqlite/enqueue-jobs.js'
import { serializePayload } from '../sqlite/job-rows.js'
import type { CoalesceFn, QueueName } from '../store.js'
import { announceJobs, type CommittedQueues } from './listen-jobs.js'

interface Target {
  id?: number
  queue: QueueName
  key: string
  group: string
  payload: unknown
  /** Serialized payload; undefined once a merge changed it. */
  payloadJson: string | undefined
  createdAt: number
  runAt: number
  /** Chat position when the (merged) job adds a message (order-key.ts). */
  adds: AddPosition | undefined
}

interface PendingRow {
  id: number
  queue: QueueName
  key: string
  payload: string
  run_at: number
}

export type WriteJobs = (client: pg.ClientBase, jobs: readonly PreparedJob[]) => Promise<CommittedQueues>

/**
 * Writes jobs inside the caller's transaction in a fixed number of round trips, however many jobs:
 * lock the keys, read the pending rows they merge into, merge in memory (in call order), then one
 * UPDATE and one INSERT over arrays. A job merges into the newest pending job of its key that no
 * worker holds (`lease_until IS NULL`); a held job may be completed at any moment, which would
 * delete the merged payload with it, so a new row is added instead.
 *
 * The per-key transaction-scoped advisory locks (taken in one sorted order, so two instances never
 * deadlock) keep two instances from both inserting a row for the same key at once. A NOTIFY per
 * queue wakes idle instances when the transaction commits.
 */
export function jobWriter(coalesce: CoalesceFn | undefined, instanceId: string): WriteJobs {
  return async (client, jobs) => {
    const queues: CommittedQueues = new Map()
    if (jobs.length === 0) return queues
    const ids = new Map<string, { queue: QueueName; key: string }>()
    for (const job of jobs) ids.set(`${job.queue}\u0000${job.key}`, { queue: job.queue, key: job.key })
    const pairs = [...ids.values()]
    const queueList = pairs.map((p) => p.queue)
    const keyList = pairs.map((p) => p.key)
    await client.query(
      `SELECT pg_advisory_xact_lock(h) FROM (
         SELECT DISTINCT hashtextextended(q || chr(1) || k, 0) AS h FROM unnest($1::text[], $2::text[]) AS t(q, k)
       ) AS locks ORDER BY h`,
      [queueList, keyList],
    )
    const { rows } = await client.query<PendingRow>(
      `SELECT DISTINCT ON (j.queue, j.key) j.id, j.queue, j.key, j.payload, j.run_at
       FROM jobs AS j JOIN unnest($1::text[], $2::text[]) AS t(q, k) ON j.queue = t.q AND j.key = t.k
       WHERE j.status = 'pending' AND j.lease_until IS NULL
       ORDER BY j.queue, j.key, j.id DESC`,
      [queueList, keyList],
    )
    const existing = new Map(rows.map((row) => [`${row.queue}\u0000${row.key}`, row]))
    const targets = new Map<string, Target>()
    for (const job of jobs) {
      const id = `${job.queue}\u0000${job.key}`
      let target = targets.get(id)
      const row = target === undefined ? existing.get(id) : undefined
      if (target === undefined && row !== undefined) {
        target = {
          id: row.id,
          queue: row.queue,
          key: row.key,
          group: job.group,
          payload: coalesce === undefined ? undefined : (JSON.parse(row.payload) as unknown),
          payloadJson: row.payload,
          createdAt: job.createdAt,
          runAt: row.run_at,
          adds: undefined,
        }
        targets.set(id, target)
      } else if (target === undefined) {
        targets.set(id, { ...job, payloadJson: job.payloadJson })
        continue
      }
      // The default (incoming wins) needs no parse of the stored payload: keep the hot path lean.
      if (coalesce === undefined) {
        target.payload = job.payload
        target.payloadJson = job.payloadJson
        target.adds = job.adds
      } else {
        target.payload = coalesce(target.payload, job.payload)
        target.payloadJson = undefined
        target.adds = addPositionOf(target.queue, target.payload)
      }
      target.runAt = Math.min(target.runAt, job.runAt)
    }
    const all = [...targets.values()]
    for (const t of all)
      queues.set(t.queue, Math.min(queues.get(t.queue) ?? Number.POSITIVE_INFINITY, t.runAt))
    for (const t of all) t.payloadJson ??= serializePayload(t.payload)
    const updates = all.filter((t) => t.id !== undefined)
    const inserts = all.filter((t) => t.id === undefined)
    if (updates.length > 0) {
      await client.query(
        `UPDATE jobs SET payload = u.payload, run_at = u.run_at, add_chat = u.add_chat, add_message = u.add_message
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bigint[])
           AS u(id, payload, run_at, add_chat, add_message)
         WHERE jobs.id = u.id`,
        [
          updates.map((t) => t.id),
          updates.map((t) => t.payloadJson),
          updates.map((t) => t.runAt),
          updates.map((t) => t.adds?.chat ?? null),
          updates.map((t) => t.adds?.messageId ?? null),
        ],
      )
    }
    if (inserts.length > 0) {
      await client.query(
        `INSERT INTO jobs (queue, key, grp, payload, created_at, run_at, add_chat, add_message)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
           $7::text[], $8::bigint[])`,
        [
          inserts.map((t) => t.queue),
          inserts.map((t) => t.key),
          inserts.map((t) => t.group),
          inserts.map((t) => t.payloadJson),
          inserts.map((t) => t.createdAt),
          inserts.map((t) => t.runAt),
          inserts.map((t) => t.adds?.chat ?? null),
          inserts.map((t) => t.adds?.messageId ?? null),
        ],
      )
    }
    // Delivered to every instance's LISTEN connection when (and only if) this transaction commits.
    await announceJobs(client, queues, instanceId)
    return queues
  }
}
