export type CapVerdict = { ok: true } | { ok: false; pending: number; limit: number }

export interface PendingCap {
  /** Whether `group` may queue `adding` more jobs; counts them in when it may. */
  admit(group: string, adding: number): Promise<CapVerdict>
}

export interface PendingCapOptions {
  /** Jobs of the group waiting or in progress (the store's indexed count). */
  count(group: string): Promise<number>
  limit: number
  /** How long a count is trusted; between counts admitted jobs are added to it. */
  refreshMs?: number
  now?: () => number
}

interface Cached {
  pending: number
  at: number
}

/**
 * Per-portal cap on queued jobs, cheap on the request path: the store is counted at most once
 * per `refreshMs` per portal (concurrent requests share that count), and in between each
 * admitted job is added to the cached figure. Coalesced enqueues make the figure run a little
 * high until the next count, never low, so the cap holds.
 */
export function createPendingCap(options: PendingCapOptions): PendingCap {
  const now = options.now ?? Date.now
  const refreshMs = options.refreshMs ?? 1000
  const cached = new Map<string, Cached>()
  const counting = new Map<string, Promise<Cached | undefined>>()

  /** A count that fails admits (the enqueue that follows reports the store's trouble itself). */
  function recount(group: string): Promise<Cached | undefined> {
    let running = counting.get(group)
    if (running === undefined) {
      const at = now()
      running = options
        .count(group)
        .then(
          (pending) => {
            const fresh = { pending, at }
            cached.set(group, fresh)
            return fresh
          },
          () => undefined,
        )
        .finally(() => counting.delete(group))
      counting.set(group, running)
    }
    return running
  }

  return {
    async admit(group, adding) {
      let entry = cached.get(group)
      if (entry === undefined || now() - entry.at >= refreshMs) entry = await recount(group)
      if (entry === undefined) return { ok: true }
      if (entry.pending >= options.limit) return { ok: false, pending: entry.pending, limit: options.limit }
      entry.pending += adding
      return { ok: true }
    },
  }
}
