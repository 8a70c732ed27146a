import type { Logger } from 'pino'
import type { CommitListener, CommittedWork, JobInput, QueueName } from './store.js'

export interface CommitListeners {
  add(listener: CommitListener): () => void
  /** True when someone listens (skip collecting what to tell otherwise). */
  active(): boolean
  /** Tell every listener; a throwing listener is logged, never fails the commit that already happened. */
  notify(work: CommittedWork): void
  /** Notify once per queue of `jobs`, with that queue's earliest run time (`now` when unset). */
  notifyJobs(jobs: readonly Pick<JobInput, 'queue' | 'runAt'>[], now: number): void
}

/** The `Store.onCommitted` registry, shared by store implementations. */
export function commitListeners(logger: Logger): CommitListeners {
  const listeners = new Set<CommitListener>()
  const notify = (work: CommittedWork) => {
    for (const listener of listeners) {
      try {
        listener(work)
      } catch (err) {
        logger.error({ err }, 'a commit listener threw; workers fall back to polling')
      }
    }
  }
  return {
    add(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    active: () => listeners.size > 0,
    notify,
    notifyJobs(jobs, now) {
      if (listeners.size === 0 || jobs.length === 0) return
      let fetchAt = Number.POSITIVE_INFINITY
      let deliverAt = Number.POSITIVE_INFINITY
      for (const job of jobs) {
        const at = job.runAt ?? now
        if (job.queue === 'fetch') fetchAt = Math.min(fetchAt, at)
        else deliverAt = Math.min(deliverAt, at)
      }
      const queues: Array<[QueueName, number]> = [
        ['fetch', fetchAt],
        ['deliver', deliverAt],
      ]
      for (const [queue, runAt] of queues) if (runAt !== Number.POSITIVE_INFINITY) notify({ queue, runAt })
    },
  }
}
