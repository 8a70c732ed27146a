import type { Logger } from 'pino'
import { ErrorCodes } from '../errors.js'
import type { DeliveryLogEntry, Job, Store } from '../store/store.js'

export interface BuryAbandonedDeps {
  store: Store
  maxAttempts: number
  log: Logger
  /** The delivery log entry of a job (its portal, message, output), without status and detail. */
  entryOf(job: Job): Omit<DeliveryLogEntry, 'status' | 'detail' | 'attempt'>
}

/**
 * A claim counts a lease that ran out as an attempt (the process crashed, was killed or hung while
 * the job ran). A job that has used up `pipeline.maxAttempts` that way would take the process down
 * on every start: it goes to the dead letters instead of running again. Returns the other jobs.
 */
export async function buryAbandoned<J extends Job>(jobs: J[], deps: BuryAbandonedDeps): Promise<J[]> {
  const runnable: J[] = []
  for (const job of jobs) {
    if (job.attempts < deps.maxAttempts) {
      runnable.push(job)
      continue
    }
    const reason =
      `${ErrorCodes.JOB_ATTEMPTS_EXHAUSTED}: gave up after ${job.attempts} attempts; the last: ` +
      `${job.lastError ?? 'did not finish'}. The log before the restarts shows the cause; replay the job once it is fixed`
    deps.log.error(
      { jobId: job.id, queue: job.queue, key: job.key, attempts: job.attempts },
      'abandoned job dead-lettered',
    )
    await deps.store.log({ ...deps.entryOf(job), status: 'dead', attempt: job.attempts, detail: reason })
    await deps.store.deadLetter(job, reason)
  }
  return runnable
}
