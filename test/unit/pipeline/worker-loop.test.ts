import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/observability/logger.js'
import { createAlarms } from '../../../src/pipeline/alarms.js'
import { createWorkerLoop, type WorkerLoop } from '../../../src/pipeline/worker-loop.js'

// The poll interval is an hour: only a wake (or an alarm) can make the loop tick again in a test.
const hour = 3_600_000
const hangBound = 10_000

function until(check: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      if (check()) resolve()
      else if (Date.now() - started > hangBound) reject(new Error('hung'))
      else setTimeout(poll, 5)
    }
    poll()
  })
}

let loop: WorkerLoop | undefined
afterEach(async () => {
  await loop?.stop()
  loop = undefined
})

describe('worker loop wake-ups', () => {
  it('does not lose a wake that arrives while a tick runs', async () => {
    let ticks = 0
    const tick = async () => {
      ticks += 1
      // Work committed during this tick (after its claim) announces itself now.
      if (ticks === 1) loop?.wake()
      return 0
    }
    loop = createWorkerLoop('test', tick, hour, silentLogger())
    loop.start()
    await until(() => ticks >= 2)
    expect(ticks).toBe(2)
  })

  it('ticks at a time given with wakeAt, without waiting for the poll interval', async () => {
    const at: number[] = []
    loop = createWorkerLoop(
      'test',
      async () => {
        at.push(Date.now())
        return 0
      },
      hour,
      silentLogger(),
    )
    loop.start()
    await until(() => at.length === 1)
    const due = Date.now() + 30
    loop.wakeAt(due)
    await until(() => at.length === 2)
    expect(at[1]).toBeGreaterThanOrEqual(due)
  })

  it('stop clears pending alarms (nothing ticks after stop)', async () => {
    let ticks = 0
    const l = createWorkerLoop(
      'test',
      async () => {
        ticks += 1
        return 0
      },
      hour,
      silentLogger(),
    )
    l.start()
    await until(() => ticks === 1)
    l.wakeAt(Date.now() + 20)
    await l.stop()
    await new Promise((r) => setTimeout(r, 60))
    expect(ticks).toBe(1)
  })
})

describe('alarms', () => {
  it('honours every time added, in any order: nothing fires early, the latest is not dropped', async () => {
    const fired: number[] = []
    const alarms = createAlarms(() => fired.push(Date.now()), Date.now)
    const base = Date.now()
    for (const offset of [60, 20, 40, 20, 80]) alarms.add(base + offset)
    await until(() => fired.length > 0 && fired[fired.length - 1]! >= base + 80)
    // A loaded machine may serve several due times with one firing, never more than one per time.
    expect(fired.length).toBeLessThanOrEqual(4)
    expect(fired[0]).toBeGreaterThanOrEqual(base + 20)
    alarms.clear()
  })

  it('fires at once for a time already past', () => {
    let fired = 0
    const alarms = createAlarms(() => (fired += 1), Date.now)
    alarms.add(Date.now() - 5)
    expect(fired).toBe(1)
    alarms.clear()
  })
})
