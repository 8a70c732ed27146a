import type { PipelineConfig } from '../config/types.js'
import type { Job } from '../store/store.js'

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of
 * many jobs that failed together spread out instead of hitting a recovering target at once.
 */
export function backoffDelay(
  attempt: number,
  config: Pick<PipelineConfig, 'backoffBaseMs' | 'backoffMaxMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exp / 2 + random() * (exp / 2))
}

export type RetryVerdict = { action: 'retry'; runAt: number } | { action: 'dead'; reason: string }

/** Decide what a failed job does next. `attempts` counts the attempt that just failed. */
export function nextStep(
  job: Job,
  now: number,
  config: Pick<PipelineConfig, 'backoffBaseMs' | 'backoffMaxMs' | 'maxAttempts' | 'maxAgeSeconds'>,
  error: string,
  random?: () => number,
): RetryVerdict {
  const attempts = job.attempts + 1
  if (attempts >= config.maxAttempts) {
    return { action: 'dead', reason: `gave up after ${attempts} attempts: ${error}` }
  }
  const runAt = now + backoffDelay(attempts, config, random)
  if (runAt - job.createdAt > config.maxAgeSeconds * 1000) {
    return {
      action: 'dead',
      reason: `older than pipeline.maxAgeSeconds (${config.maxAgeSeconds}s): ${error}`,
    }
  }
  return { action: 'retry', runAt }
}
