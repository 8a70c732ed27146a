import { describe, expect, it } from 'vitest'
import { type Clock, RateLimiter, type RateWindow } from '../../../../plugins/telegram/limiter.js'
import { isOutputError } from '../../../../src/plugins/api.js'

/**
 * Time moves only when every caller is waiting: each sleep is a timer, and once the current turn is
 * over the clock jumps to the earliest one. No real waiting, and every slot time is exact.
 */
class FakeClock implements Clock {
  time = 0
  readonly sleeps: number[] = []
  private timers: { at: number; resolve: () => void }[] = []

  now = (): number => this.time
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms)
    return new Promise((resolve) => {
      this.timers.push({ at: this.time + ms, resolve })
      setImmediate(this.fire)
    })
  }

  private fire = (): void => {
    if (this.timers.length === 0) return
    this.time = Math.max(this.time, Math.min(...this.timers.map((t) => t.at)))
    const due = this.timers.filter((t) => t.at <= this.time)
    this.timers = this.timers.filter((t) => t.at > this.time)
    for (const t of due) t.resolve()
  }
}

const chat = (id: string, max = 1): RateWindow => ({ key: `chat:${id}`, max, windowMs: 1000 })
const group = (id: string, max = 20): RateWindow => ({ key: `group:${id}`, max, windowMs: 60_000 })
const bot = (max = 30): RateWindow => ({ key: 'bot', max, windowMs: 1000 })

describe('telegram rate limiter', () => {
  it('spaces calls into one chat a second apart by waiting, not failing', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter(clock)
    const slots: number[] = []
    for (let n = 0; n < 3; n += 1) slots.push(await limiter.acquire([chat('1'), bot()]))
    expect(slots).toEqual([0, 1000, 2000])
    expect(clock.sleeps).toEqual([1000, 1000])
  })

  it('gives concurrent callers distinct slots', async () => {
    const limiter = new RateLimiter(new FakeClock())
    const slots = await Promise.all([1, 2, 3].map(() => limiter.acquire([chat('1'), bot()])))
    expect(slots.sort((a, b) => a - b)).toEqual([0, 1000, 2000])
  })

  it('lets a group take 20 messages a minute, then waits for the minute to pass', async () => {
    const limiter = new RateLimiter(new FakeClock())
    const slots: number[] = []
    for (let n = 0; n < 21; n += 1)
      slots.push(await limiter.acquire([chat('-100', 100), group('-100'), bot()]))
    expect(slots.slice(0, 20)).toEqual(new Array(20).fill(0))
    expect(slots[20]).toBe(60_000)
  })

  it('keeps the whole bot under 30 a second across chats, without holding one chat back for another', async () => {
    const limiter = new RateLimiter(new FakeClock())
    const slots: number[] = []
    for (let n = 0; n < 31; n += 1) slots.push(await limiter.acquire([chat(String(n)), bot()]))
    expect(slots.filter((s) => s === 0)).toHaveLength(30)
    expect(slots[30]).toBe(1000)
  })

  it('does not slow one chat down because another chat is busy', async () => {
    const limiter = new RateLimiter(new FakeClock())
    await limiter.acquire([chat('a'), bot()])
    const busy = limiter.acquire([chat('a'), bot()])
    expect(await limiter.acquire([chat('b'), bot()])).toBe(0)
    expect(await busy).toBe(1000)
  })

  it('hands a wait longer than maxWaitMs back as rate-limited, without reserving a slot', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter(clock)
    for (let n = 0; n < 20; n += 1) await limiter.acquire([group('-5')])
    const err = await limiter.acquire([group('-5')], 30_000).catch((e: unknown) => e)
    expect(isOutputError(err) && err.reason).toBe('rate-limited')
    expect(isOutputError(err) && err.retryAfterMs).toBe(60_000)
    clock.time = 60_000
    expect(await limiter.acquire([group('-5')], 30_000)).toBe(60_000)
  })
})
