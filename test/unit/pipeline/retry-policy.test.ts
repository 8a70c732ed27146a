import { describe, expect, it } from 'vitest'
import { backoffDelay, nextStep } from '../../../src/pipeline/retry-policy.js'
import type { Job } from '../../../src/store/store.js'

const cfg = { backoffBaseMs: 1000, backoffMaxMs: 60_000, maxAttempts: 5, maxAgeSeconds: 3600 }
const job = (attempts: number, createdAt = 0): Job => ({
  id: '1',
  queue: 'deliver',
  key: 'k',
  group: 'g',
  payload: {},
  attempts,
  createdAt,
  runAt: 0,
})

describe('retry policy', () => {
  it('doubles the delay per attempt within [half, full] and caps it', () => {
    expect(backoffDelay(1, cfg, () => 0)).toBe(500)
    expect(backoffDelay(1, cfg, () => 1)).toBe(1000)
    expect(backoffDelay(3, cfg, () => 1)).toBe(4000)
    expect(backoffDelay(30, cfg, () => 1)).toBe(60_000)
  })

  it('dead-letters after maxAttempts', () => {
    expect(nextStep(job(3), 0, cfg, 'x').action).toBe('retry')
    const dead = nextStep(job(4), 0, cfg, 'boom')
    expect(dead).toEqual({ action: 'dead', reason: 'gave up after 5 attempts: boom' })
  })

  it('dead-letters when the next try would be past maxAge', () => {
    const verdict = nextStep(job(1, 0), 3600 * 1000, cfg, 'slow')
    expect(verdict.action).toBe('dead')
  })
})
