import { describe, expect, it } from 'vitest'
import { createLoginThrottle, loginWindowMs, maxLoginFailures } from '../../../src/console/login-throttle.js'

describe('console login throttle', () => {
  it('blocks an address after 5 wrong tokens until the oldest is 15 minutes old; success clears it', () => {
    let t = 1_000_000
    const throttle = createLoginThrottle(() => t)
    for (let i = 0; i < maxLoginFailures; i++) {
      expect(throttle.retryAfterMs('a')).toBe(0)
      throttle.failed('a')
      t += 1_000
    }
    expect(throttle.retryAfterMs('a')).toBe(loginWindowMs - 5_000)
    expect(throttle.retryAfterMs('b')).toBe(0)
    t += loginWindowMs - 5_000
    expect(throttle.retryAfterMs('a')).toBe(0) // the oldest failure left the window
    throttle.failed('a')
    expect(throttle.retryAfterMs('a')).toBeGreaterThan(0)
    throttle.succeeded('a')
    expect(throttle.retryAfterMs('a')).toBe(0)
  })
})
