import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPacer } from '../../../../plugins/email/pace.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('email pacer', () => {
  it('runs one task at a time, in order, and keeps going after a failure', async () => {
    const pace = createPacer(0)
    const log: string[] = []
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`start ${name}`)
        await new Promise((resolve) => setImmediate(resolve))
        log.push(`end ${name}`)
        if (fail) throw new Error(name)
        return name
      }
    const results = await Promise.allSettled([pace(task('a')), pace(task('b', true)), pace(task('c'))])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  })

  it('holds the next mail until minIntervalMs has passed since the previous one', async () => {
    vi.useFakeTimers()
    const pace = createPacer(1000, () => Date.now())
    const started: number[] = []
    const run = () => pace(async () => started.push(Date.now()))
    const first = run()
    const second = run()
    await first
    await vi.advanceTimersByTimeAsync(999)
    expect(started).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    await second
    expect(started).toHaveLength(2)
  })

  it('with concurrency 2 runs two at a time, and a newcomer never overtakes a waiting task', async () => {
    const pace = createPacer(0, Date.now, 2)
    const log: string[] = []
    const gates = new Map<string, () => void>()
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        log.push(`start ${name}`)
        gates.set(name, () => resolve(name))
      })
    const a = pace(task('a'))
    const b = pace(task('b'))
    const c = pace(task('c'))
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual(['start a', 'start b'])
    gates.get('a')!()
    await a
    const d = pace(task('d'))
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual(['start a', 'start b', 'start c'])
    gates.get('b')!()
    gates.get('c')!()
    await Promise.all([b, c])
    await new Promise((resolve) => setImmediate(resolve))
    gates.get('d')!()
    expect(await d).toBe('d')
    expect(log).toEqual(['start a', 'start b', 'start c', 'start d'])
  })
})
