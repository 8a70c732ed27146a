import type { Logger } from 'pino'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface RateLimitedLog {
  /**
   * Logs `message` with `fields` when no line of this `key` was written in the last interval;
   * otherwise only counts it, and one summary line (`suppressed: n`, the last fields) follows when
   * the interval ends. A flood of N events therefore costs at most two lines per interval and key.
   */
  note(key: string, fields: Record<string, unknown>, message: string): void
  /** Writes pending summaries now and stops the timers (shutdown). */
  flush(): void
}

interface KeyState {
  at: number
  suppressed: number
  fields?: Record<string, unknown>
  message?: string
  timer?: NodeJS.Timeout | undefined
}

/**
 * Log lines an outsider can cause (rejected events, a portal over its queue cap) go through
 * this, so their number does not grow with the number of requests.
 */
export function createRateLimitedLog(
  logger: Logger,
  options: { intervalMs: number; level?: LogLevel; now?: () => number },
): RateLimitedLog {
  const now = options.now ?? Date.now
  const level = options.level ?? 'warn'
  const keys = new Map<string, KeyState>()

  function summarize(key: string): void {
    const state = keys.get(key)
    if (state === undefined) return
    state.timer = undefined
    if (state.suppressed === 0 || state.message === undefined) {
      keys.delete(key)
      return
    }
    logger[level](
      { ...state.fields, suppressed: state.suppressed, intervalMs: options.intervalMs },
      `${state.message} (${state.suppressed} more in the last interval, not logged one by one)`,
    )
    keys.set(key, { at: now(), suppressed: 0 })
    arm(key)
  }

  function arm(key: string): void {
    const state = keys.get(key)
    if (state === undefined || state.timer !== undefined) return
    state.timer = setTimeout(() => summarize(key), options.intervalMs)
    state.timer.unref()
  }

  return {
    note(key, fields, message) {
      const state = keys.get(key)
      if (state === undefined || now() - state.at >= options.intervalMs) {
        if (state?.timer !== undefined) clearTimeout(state.timer)
        logger[level](fields, message)
        keys.set(key, { at: now(), suppressed: 0 })
        arm(key)
        return
      }
      state.suppressed += 1
      state.fields = fields
      state.message = message
    },
    flush() {
      for (const [key, state] of keys) {
        if (state.timer !== undefined) clearTimeout(state.timer)
        state.timer = undefined
        if (state.suppressed > 0) summarize(key)
        const after = keys.get(key)
        if (after?.timer !== undefined) clearTimeout(after.timer)
        keys.delete(key)
      }
    },
  }
}
