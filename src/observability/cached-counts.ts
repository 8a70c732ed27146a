import type { QueueName, QueueStats, Store } from '../store/store.js'

export type QueueCounts = Partial<Record<QueueName, QueueStats>>

export interface CachedCounts {
  /** Queue sizes at most `maxAgeMs` old: one store query per queue per interval, however many ask. */
  get(): Promise<QueueCounts>
}

const queues: readonly QueueName[] = ['fetch', 'deliver']

/**
 * Queue counts scan the jobs table (about 20 ms at 88k jobs on SQLite, synchronous): a scraper or
 * a probe hammering /readyz or /metrics must not turn each request into a scan that holds up the
 * event path. Callers within one interval share one result (and one query in flight).
 */
export function createCachedCounts(deps: {
  store: Store
  now: () => number
  maxAgeMs?: number
}): CachedCounts {
  const maxAgeMs = deps.maxAgeMs ?? 1000
  let cached: { at: number; counts: QueueCounts } | undefined
  let pending: Promise<QueueCounts> | undefined

  async function read(): Promise<QueueCounts> {
    const at = deps.now()
    const counts: QueueCounts = {}
    for (const queue of queues) {
      const stats = await deps.store.stats(queue).catch(() => undefined)
      if (stats !== undefined) counts[queue] = stats
    }
    cached = { at, counts }
    return counts
  }

  return {
    get() {
      if (cached !== undefined && deps.now() - cached.at < maxAgeMs) return Promise.resolve(cached.counts)
      pending ??= read().finally(() => {
        pending = undefined
      })
      return pending
    },
  }
}
