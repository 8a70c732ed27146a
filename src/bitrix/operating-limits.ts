/**
 * Bitrix24's per-method operating-time budget (REST docs, limits.md "Resource Intensity Limits"):
 * every reply's `time` block carries `operating` (seconds of server time the method used in the
 * last 10 minutes, for this app or webhook) and `operating_reset_at` (unix seconds when the oldest
 * minute basket drops out). Over the limit, calls of that method answer 429 OPERATION_TIME_LIMIT
 * until a basket resets; `batch` itself is not counted, its commands are, each as its own method.
 * Thresholds follow the official JS SDK (b24jssdk limiters/params-factory.ts): a limit of 480 s,
 * slow down above 80 % of it by 1 % of the time left to the reset, pause until the reset + 1 s.
 */

/** The cloud's limit in the docs' example and the SDK's default, in seconds. */
export const operatingLimitSeconds = 480
/** Above this share of the limit, calls of the method are spaced out (SDK `thresholdPercent`). */
export const slowDownShare = 0.8
/** Share of the time left to the reset waited before each call above the threshold (SDK `coefficient`). */
const slowDownCoefficient = 0.01
/** Longest slow-down before one call. */
const maxSlowDownMs = 10_000
/** With no known reset time, the next basket resets within a minute. */
const unknownResetPauseMs = 60_000
/** Key for a pause of every method of the portal (OVERLOAD_LIMIT). */
export const allMethods = '*'

export interface OperatingTime {
  /** Seconds of server time used in the last 10 minutes. */
  operating: number
  /** When the oldest basket resets, ms since the epoch. */
  resetAt: number
}

export interface MethodLimitState {
  method: string
  operating: number
  resetAt: number
  /** Calls wait until then (ms since the epoch); 0 when not paused. */
  pausedUntil: number
  /** Why it is paused: the Bitrix24 code. */
  reason?: string
}

/** `time` of a reply (or of one batch command); undefined when it has no operating figures. */
export function readOperatingTime(time: unknown): OperatingTime | undefined {
  if (typeof time !== 'object' || time === null) return undefined
  const t = time as Record<string, unknown>
  const operating = Number(t.operating)
  const resetAt = Number(t.operating_reset_at)
  if (!Number.isFinite(operating) || t.operating === undefined || t.operating === null) return undefined
  return { operating, resetAt: Number.isFinite(resetAt) ? resetAt * 1000 : 0 }
}

export interface OperatingLimits {
  /** Records a reply's `time` for `method`. */
  record(method: string, time: OperatingTime): void
  /** The method answered OPERATION_TIME_LIMIT: pause it until its reset + 1 s; returns that time. */
  block(method: string, now: number, reason: string, forMs?: number): number
  /** The longest running pause of these methods (or of the whole portal), with its reason. */
  pausedUntil(methods: readonly string[], now: number): { until: number; reason: string } | undefined
  /** How long to wait before calling these methods, to stay under the limit (0: no wait). */
  slowDownMs(methods: readonly string[], now: number): number
  /** Every method with figures or a pause, for /metrics and logs. */
  snapshot(now: number): MethodLimitState[]
}

export function createOperatingLimits(limitSeconds = operatingLimitSeconds): OperatingLimits {
  const states = new Map<string, MethodLimitState>()
  const stateOf = (method: string): MethodLimitState => {
    let state = states.get(method)
    if (state === undefined) {
      state = { method, operating: 0, resetAt: 0, pausedUntil: 0 }
      states.set(method, state)
    }
    return state
  }
  return {
    record(method, time) {
      const state = stateOf(method)
      state.operating = time.operating
      state.resetAt = time.resetAt
    },
    block(method, now, reason, forMs) {
      const state = stateOf(method)
      const until =
        forMs !== undefined
          ? now + forMs
          : state.resetAt > now
            ? state.resetAt + 1000
            : now + unknownResetPauseMs
      state.pausedUntil = Math.max(state.pausedUntil, until)
      state.reason = reason
      return state.pausedUntil
    },
    pausedUntil(methods, now) {
      let found: { until: number; reason: string } | undefined
      for (const method of [allMethods, ...methods]) {
        const state = states.get(method)
        if (state === undefined || state.pausedUntil <= now) continue
        if (found === undefined || state.pausedUntil > found.until) {
          found = { until: state.pausedUntil, reason: state.reason ?? 'OPERATION_TIME_LIMIT' }
        }
      }
      return found
    },
    slowDownMs(methods, now) {
      let wait = 0
      for (const method of methods) {
        const state = states.get(method)
        if (state === undefined || state.operating < limitSeconds * slowDownShare) continue
        const left = state.resetAt > now ? state.resetAt - now : 7000
        wait = Math.max(wait, Math.min(maxSlowDownMs, Math.round(left * slowDownCoefficient)))
      }
      return wait
    },
    snapshot(now) {
      return [...states.values()].map((s) => ({ ...s, pausedUntil: s.pausedUntil > now ? s.pausedUntil : 0 }))
    },
  }
}
