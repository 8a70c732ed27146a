import { OutputError } from '../../src/plugins/api.js'

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/** At most `max` calls in any `windowMs` for the calls sharing `key`. */
export interface RateWindow {
  key: string
  max: number
  windowMs: number
}

/**
 * Sliding-window limiter that reserves a slot for each call and waits for it, so concurrent
 * deliveries queue up instead of bouncing off Telegram's 429. A slot counts in every window it is
 * given (chat, group, bot), and is only taken when it is free in all of them.
 */
export class RateLimiter {
  private readonly stamps = new Map<string, number[]>()

  constructor(private readonly clock: Clock = systemClock) {}

  /**
   * Wait for a free slot in every window; resolves at the slot time (returned). When that is more
   * than `maxWaitMs` away nothing is reserved and a `rate-limited` OutputError says when to retry.
   */
  async acquire(windows: readonly RateWindow[], maxWaitMs = Number.POSITIVE_INFINITY): Promise<number> {
    const now = this.clock.now()
    for (const w of windows) this.prune(w, now)
    const at = this.firstFreeSlot(windows, now)
    if (at - now > maxWaitMs) {
      throw new OutputError(
        'rate-limited',
        `Telegram rate limits (${windows.map((w) => `${w.max} per ${w.windowMs} ms for ${w.key}`).join(', ')}) leave no slot for ${at - now} ms; will retry then`,
        { retryAfterMs: at - now },
      )
    }
    for (const w of windows) this.insert(w.key, at)
    if (at > now) await this.clock.sleep(at - now)
    return at
  }

  private list(key: string): number[] {
    let list = this.stamps.get(key)
    if (!list) {
      list = []
      this.stamps.set(key, list)
    }
    return list
  }

  private prune(w: RateWindow, now: number): void {
    const list = this.list(w.key)
    while (list.length > 0 && list[0]! <= now - w.windowMs) list.shift()
  }

  private insert(key: string, at: number): void {
    const list = this.list(key)
    let i = list.length
    while (i > 0 && list[i - 1]! > at) i -= 1
    list.splice(i, 0, at)
  }

  /**
   * A slot at `t` is free when fewer than `max` reservations lie within `windowMs` either side of
   * it: exact for calls in order, conservative for ones reserved ahead. Freedom only returns when
   * an earlier reservation leaves the window, so the candidates are now and those moments.
   */
  private firstFreeSlot(windows: readonly RateWindow[], now: number): number {
    const candidates = [now]
    for (const w of windows)
      for (const s of this.list(w.key)) if (s + w.windowMs > now) candidates.push(s + w.windowMs)
    candidates.sort((a, b) => a - b)
    for (const t of candidates) if (windows.every((w) => this.fits(w, t))) return t
    // Unreachable: after the last departure every window is empty.
    return candidates[candidates.length - 1]!
  }

  private fits(w: RateWindow, t: number): boolean {
    let count = 0
    for (const s of this.list(w.key)) if (s > t - w.windowMs && s < t + w.windowMs) count += 1
    return count < w.max
  }
}
