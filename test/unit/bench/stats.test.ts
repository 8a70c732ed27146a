import { describe, expect, it } from 'vitest'
import { percentile, ratio, round, summarize } from '../../../bench/support/stats.js'

describe('bench stats', () => {
  it('takes nearest-rank percentiles of a sorted list', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile(values, 100)).toBe(100)
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
  })

  it('summarizes unsorted samples', () => {
    const s = summarize([5, 1, 3, 2, 4])
    expect(s).toMatchObject({ count: 5, p50: 3, p99: 5, mean: 3, max: 5 })
  })

  it('gives no ratio against a zero or missing baseline instead of Infinity', () => {
    expect(ratio(6, 10)).toBeCloseTo(0.6)
    expect(ratio(6, 0)).toBeUndefined()
    expect(ratio(6, undefined)).toBeUndefined()
    expect(ratio(Number.NaN, 3)).toBeUndefined()
  })

  it('rounds to 3 significant digits below 100 and to integers above', () => {
    expect(round(0.123456)).toBe(0.123)
    expect(round(12.3456)).toBe(12.3)
    expect(round(1234.56)).toBe(1235)
  })
})
