import type { Logger } from 'pino'
import { errorMessage } from '../errors.js'
import type { Store } from '../store/store.js'

const DAY = 86_400_000
/** Log entries deleted per transaction: short enough not to hold up the workers' writes. */
const CHUNK = 5_000

export interface HistoryTrim {
  /** Deletes what is older than the kept days now; resolves with how many log entries went. */
  run(): Promise<number>
  /** Runs once soon after start, then every `intervalMs`, until `stop()`. */
  start(intervalMs: number): void
  stop(): Promise<void>
}

/**
 * Keeps the delivery log (one row per read and per delivery) and the per-minute event counts to
 * `storage.historyDays`, so the store does not grow for ever with a bridge that runs for years.
 * Deletes in chunks, oldest first; a failure is logged and tried again at the next run.
 */
export function createHistoryTrim(deps: {
  store: Store
  days: number
  now: () => number
  logger: Logger
}): HistoryTrim {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined

  async function trim(): Promise<number> {
    if (deps.days <= 0) return 0
    const before = deps.now() - deps.days * DAY
    let total = 0
    for (;;) {
      const deleted = await deps.store.trimHistory(before, CHUNK)
      total += deleted
      if (deleted < CHUNK) break
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (total > 0) {
      deps.logger.info(
        { deleted: total, before: new Date(before).toISOString(), historyDays: deps.days },
        'trimmed the delivery log (storage.historyDays)',
      )
    }
    return total
  }

  function run(): Promise<number> {
    running ??= trim()
      .catch((err: unknown) => {
        deps.logger.warn({ err: errorMessage(err) }, 'could not trim the delivery log; trying again later')
        return 0
      })
      .finally(() => {
        running = undefined
      })
    return running
  }

  return {
    run,
    start(intervalMs) {
      if (deps.days <= 0 || timer !== undefined) return
      timer = setInterval(() => void run(), intervalMs)
      timer.unref()
      setTimeout(() => void run(), Math.min(intervalMs, 60_000)).unref()
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      await running
    },
  }
}
