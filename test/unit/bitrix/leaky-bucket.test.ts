import { describe, expect, it } from 'vitest'
import { createLeakyBucket } from '../../../src/bitrix/leaky-bucket.js'

function fakeTime() {
  let now = 0
  return {
    clock: { now: () => now },
    // Let everything already due run first, as a real timer would.
    sleep: async (ms: number) => {
      await new Promise((resolve) => setImmediate(resolve))
      now += ms
    },
    advance(ms: number) {
      now += ms
    },
    get now() {
      return now
    },
  }
}

describe('leaky bucket', () => {
  it('lets a burst (less one request of headroom) through at once, then one per drain interval', async () => {
    const time = fakeTime()
    const bucket = createLeakyBucket({ burst: 4, perSecond: 2, ...time })
    const servedAt: number[] = []
    await Promise.all(Array.from({ length: 6 }, () => bucket.take().then(() => servedAt.push(time.now))))
    expect(servedAt).toEqual([0, 0, 0, 500, 1000, 1500])
  })

  it('serves waiters in the order they asked (FIFO)', async () => {
    const time = fakeTime()
    const bucket = createLeakyBucket({ burst: 1, perSecond: 10, ...time })
    const order: number[] = []
    await Promise.all(Array.from({ length: 8 }, (_, i) => bucket.take().then(() => order.push(i))))
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('drains while idle, so a later burst fits again', async () => {
    const time = fakeTime()
    const bucket = createLeakyBucket({ burst: 3, perSecond: 1, ...time })
    await bucket.take()
    await bucket.take()
    expect(bucket.level()).toBe(2)
    time.advance(2000)
    const before = time.now
    await bucket.take()
    await bucket.take()
    expect(time.now).toBe(before)
  })

  it('pauses after penalize (a 503), treating the bucket as full from that moment', async () => {
    const time = fakeTime()
    const bucket = createLeakyBucket({ burst: 5, perSecond: 1, ...time })
    bucket.penalize(3000)
    const servedAt: number[] = []
    await Promise.all(Array.from({ length: 4 }, () => bucket.take().then(() => servedAt.push(time.now))))
    // Full (5) at t=0, drained to 2 by the end of the pause: room for 3, then one per second.
    expect(servedAt).toEqual([3000, 3000, 3000, 4000])
  })
})
