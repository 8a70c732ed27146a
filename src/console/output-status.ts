import type { NotReadyOutput } from '../plugins/start-outputs.js'
import type { DeliveryLogEntry, Store } from '../store/store.js'

export interface OutputStatus {
  id: string
  type: string
  state: 'ready' | 'paused' | 'failing' | 'idle' | 'starting' | 'not started'
  /** When start() is tried again (ms), while `starting`. */
  nextStartAt?: number
  /** Paused by a Retry-After until this time (ms). */
  pausedUntil?: number
  lastError?: string
  lastDeliveredAt?: number
}

/**
 * An output's state as the delivery log shows it (so it holds across restarts and instances):
 * its latest entry decides. A `rate-limited` entry pauses it until `at + retry after`; a failed or
 * dead one makes it failing, with that error; a delivery or skip makes it ready.
 */
export async function readOutputStatus(
  store: Store,
  id: string,
  type: string,
  now: number,
): Promise<OutputStatus> {
  const [latest] = await store.listDeliveries({ output: id, limit: 1 })
  const [delivered] = await store.listDeliveries({ output: id, status: 'delivered', limit: 1 })
  const status: OutputStatus = { id, type, state: 'idle' }
  if (delivered !== undefined) status.lastDeliveredAt = delivered.at
  if (latest === undefined) return status
  const until = pausedUntil(latest)
  if (until !== undefined && until > now) {
    status.state = 'paused'
    status.pausedUntil = until
  } else if (latest.status === 'failed' || latest.status === 'dead') {
    status.state = until === undefined ? 'failing' : 'ready'
  } else {
    status.state = 'ready'
  }
  if (latest.status === 'failed' || latest.status === 'dead')
    status.lastError = latest.detail ?? latest.status
  return status
}

/**
 * An output whose start() failed overrides what the log says: `starting` (a temporary failure,
 * retried; its deliveries wait) or `not started` (refused for good at boot), with the error.
 */
export function withStartState(status: OutputStatus, notReady: readonly NotReadyOutput[]): OutputStatus {
  const pending = notReady.find((o) => o.output === status.id)
  if (pending === undefined) return status
  const started: OutputStatus = {
    ...status,
    state: pending.status === 'starting' ? 'starting' : 'not started',
    lastError: `${pending.error} (${pending.action})`,
  }
  delete started.pausedUntil
  if (pending.nextAttemptAt !== undefined) started.nextStartAt = pending.nextAttemptAt
  return started
}

/** The deliver worker logs a 429 as action `rate-limited`, detail `retry after <ms> ms: …`. */
function pausedUntil(entry: DeliveryLogEntry): number | undefined {
  if (entry.action !== 'rate-limited') return undefined
  const wait = /^retry after (\d+) ms/.exec(entry.detail ?? '')?.[1]
  return wait === undefined ? undefined : entry.at + Number(wait)
}
