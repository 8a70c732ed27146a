import { FakeRestError } from './fake-portal-methods.js'

// Bitrix24's per-method operating-time budget (REST docs, limits.md): every reply's `time` block
// carries `operating` (seconds the method used in the last 10 minutes) and `operating_reset_at`;
// over the limit the method answers 429 OPERATION_TIME_LIMIT until the reset. `batch` is not
// counted itself; each command is, as its own method. Simplified to one 10-minute window per method.

export interface FakeOperating {
  /** Throws 429 OPERATION_TIME_LIMIT when the method is over its budget; else charges the call. */
  charge(method: string): void
  /** The `time` block of a reply for this method (`batch`: operating 0, as it is not counted). */
  time(method: string, startedAt: number): Record<string, unknown>
  /** Sets a method's used seconds (and reset time, unix seconds); tests drive the limit with it. */
  set(method: string, seconds: number, resetAt?: number): void
  /** Seconds each call of `method` costs from now on. */
  setCost(method: string, seconds: number): void
}

export function createFakeOperating(limitSeconds = 480): FakeOperating {
  const used = new Map<string, { seconds: number; resetAt: number }>()
  const costs = new Map<string, number>()
  const nowSec = () => Date.now() / 1000
  const stateOf = (method: string) => {
    let state = used.get(method)
    if (state === undefined || state.resetAt <= nowSec()) {
      state = { seconds: 0, resetAt: Math.floor(nowSec()) + 600 }
      used.set(method, state)
    }
    return state
  }
  const iso = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00')
  return {
    charge(method) {
      if (method === 'batch') return
      const state = stateOf(method)
      if (state.seconds >= limitSeconds) {
        throw new FakeRestError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.')
      }
      state.seconds += costs.get(method) ?? 0
    },
    time(method, startedAt) {
      const finish = nowSec()
      const state = method === 'batch' ? { seconds: 0, resetAt: Math.floor(finish) + 600 } : stateOf(method)
      return {
        start: startedAt,
        finish,
        duration: finish - startedAt,
        processing: finish - startedAt,
        date_start: iso(startedAt),
        date_finish: iso(finish),
        operating_reset_at: state.resetAt,
        operating: state.seconds,
      }
    },
    set(method, seconds, resetAt) {
      used.set(method, { seconds, resetAt: resetAt ?? Math.floor(nowSec()) + 600 })
    },
    setCost(method, seconds) {
      costs.set(method, seconds)
    },
  }
}
