/** Server-side leaky bucket as Bitrix24 runs it: each request adds one; over `burst` → 503. */
export interface FakeBucket {
  /** True when the request fits (and is counted), false when it must be refused. */
  admit(): boolean
}

export function createFakeBucket(limit: { burst: number; perSecond: number }): FakeBucket {
  let level = 0
  let drainedAt = performance.now()
  return {
    admit() {
      const now = performance.now()
      level = Math.max(0, level - ((now - drainedAt) * limit.perSecond) / 1000)
      drainedAt = now
      if (level + 1 > limit.burst + 1e-9) return false
      level += 1
      return true
    },
  }
}
