import { describe, expect, it } from 'vitest'
import {
  bucketMinimumSec,
  bucketUtilization,
  minReadRequests,
  minRequests,
} from '../../../bench/support/bucket-math.js'

describe('bench bucket math', () => {
  it('needs ceil(N/50) batch requests', () => {
    expect(minRequests(1000)).toBe(20)
    expect(minRequests(10_001)).toBe(201)
  })

  it('counts one chat read per chat read for the first time', () => {
    // The bench's 10 messages per chat: 1,000 edits name 100 chats, 1,100 commands.
    expect(minReadRequests(1000, 100)).toBe(22)
    expect(minReadRequests(10_000, 1000)).toBe(220)
    expect(bucketMinimumSec(10_000 + 1000)).toBe(85)
  })

  it('has no floor while the batches fit in the burst, then 2 requests a second', () => {
    expect(bucketMinimumSec(1000)).toBe(0)
    expect(bucketMinimumSec(2500)).toBe(0)
    // 200 batches: 50 at once, 150 at 2/s (the ~75 s of issue 6).
    expect(bucketMinimumSec(10_000)).toBe(75)
  })

  it('counts the burst and the drain as capacity', () => {
    expect(bucketUtilization(200, 75)).toBe(1)
    expect(bucketUtilization(100, 75)).toBe(0.5)
  })
})
