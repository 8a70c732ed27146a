/** Wrong tokens one address may try within the window before its logins are refused. */
export const maxLoginFailures = 5
export const loginWindowMs = 15 * 60_000
/** Addresses remembered at most (oldest forgotten first), so a spray of addresses cannot fill memory. */
const maxAddresses = 10_000

export interface LoginThrottle {
  /** Milliseconds until `address` may try again (0: now). */
  retryAfterMs(address: string): number
  failed(address: string): void
  succeeded(address: string): void
}

/**
 * Slows down guessing of `server.admin.token` on the console's login: after 5 wrong tokens within
 * 15 minutes an address gets 429 until the oldest of them is 15 minutes old, the right token
 * included. A correct login clears the address's count.
 */
export function createLoginThrottle(now: () => number = Date.now): LoginThrottle {
  const failures = new Map<string, number[]>()

  function recent(address: string): number[] {
    const since = now() - loginWindowMs
    const times = (failures.get(address) ?? []).filter((t) => t > since)
    if (times.length === 0) failures.delete(address)
    else failures.set(address, times)
    return times
  }

  return {
    retryAfterMs(address) {
      const times = recent(address)
      if (times.length < maxLoginFailures) return 0
      return Math.max(1, (times[times.length - maxLoginFailures] as number) + loginWindowMs - now())
    },
    failed(address) {
      const times = recent(address)
      times.push(now())
      failures.delete(address)
      failures.set(address, times.slice(-maxLoginFailures))
      if (failures.size > maxAddresses) {
        const oldest = failures.keys().next().value
        if (oldest !== undefined) failures.delete(oldest)
      }
    },
    succeeded(address) {
      failures.delete(address)
    },
  }
}
