import type { Logger } from 'pino'
import { errorMessage } from '../errors.js'
import type { Store } from '../store/store.js'

export interface EventMinutes {
  /** One event answered 200 (an in-memory increment: nothing touches the store on the request path). */
  count(): void
  /** Writes the counts gathered so far to the store (`store.countEvents`). */
  flush(): Promise<void>
  /** Flushes every `intervalMs` until `stop()`. */
  start(intervalMs: number): void
  /** Stops the timer and flushes what is left. */
  stop(): Promise<void>
}

const MINUTE = 60_000

/** Events received per minute, for the console's chart; kept in memory, flushed to the store. */
export function createEventMinutes(deps: { store: Store; now: () => number; logger: Logger }): EventMinutes {
  let counts = new Map<number, number>()
  let timer: NodeJS.Timeout | undefined

  async function flush(): Promise<void> {
    if (counts.size === 0) return
    const batch = counts
    counts = new Map()
    const rows = [...batch].map(([minute, events]) => ({ minute, events }))
    await deps.store.countEvents(rows).catch((err: unknown) => {
      // A full disk must not grow the map for ever: the chart misses these minutes instead.
      deps.logger.warn({ err: errorMessage(err) }, 'could not store the events-per-minute counts')
    })
  }

  return {
    count() {
      const minute = Math.floor(deps.now() / MINUTE) * MINUTE
      counts.set(minute, (counts.get(minute) ?? 0) + 1)
    },
    flush,
    start(intervalMs) {
      timer ??= setInterval(() => void flush(), intervalMs)
      timer.unref()
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      await flush()
    },
  }
}
