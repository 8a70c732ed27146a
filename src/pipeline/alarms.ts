export interface Alarms {
  /** Call `fire` at `at` (ms on the clock given); a time already past fires at once. */
  add(at: number): void
  /** Forget every pending time (the loop stopped). */
  clear(): void
}

/** setTimeout's longest delay; a later alarm re-arms when this one fires. */
const maxDelayMs = 2 ** 31 - 1

/**
 * Pending wake times, earliest first, with one timer armed for the earliest. Times are whole
 * milliseconds and equal ones are kept once, so a burst of jobs sharing a window end costs one
 * entry. Jobs are mostly stored in run-time order (now + window), so adding is usually a push.
 */
export function createAlarms(fire: () => void, now: () => number): Alarms {
  const times: number[] = []
  let timer: NodeJS.Timeout | undefined
  let armedAt = Number.POSITIVE_INFINITY

  function arm(): void {
    const next = times[0]
    if (next === undefined || next === armedAt) return
    if (timer) clearTimeout(timer)
    armedAt = next
    timer = setTimeout(ring, Math.min(Math.max(0, next - now()), maxDelayMs))
  }

  function ring(): void {
    timer = undefined
    armedAt = Number.POSITIVE_INFINITY
    const t = now()
    let due = 0
    while (due < times.length && (times[due] as number) <= t) due += 1
    if (due > 0) {
      times.splice(0, due)
      fire()
    }
    arm()
  }

  function insert(at: number): void {
    const last = times[times.length - 1]
    if (last === undefined || at > last) {
      times.push(at)
      return
    }
    let lo = 0
    let hi = times.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((times[mid] as number) < at) lo = mid + 1
      else hi = mid
    }
    if (times[lo] !== at) times.splice(lo, 0, at)
  }

  return {
    add(at) {
      const ms = Math.ceil(at)
      if (ms <= now()) {
        fire()
        return
      }
      insert(ms)
      arm()
    },
    clear() {
      if (timer) clearTimeout(timer)
      timer = undefined
      armedAt = Number.POSITIVE_INFINITY
      times.length = 0
    },
  }
}
