import type { Logger } from 'pino'
import { errorMessage } from '../errors.js'
import { createAlarms } from './alarms.js'

export interface WorkerLoop {
  /** Start polling; `tick` runs again at once while it reports work done. */
  start(): void
  /** Run the next tick now instead of waiting for the poll interval (never lost while a tick runs). */
  wake(): void
  /** Run a tick at `at` (ms, the loop's clock): when a job stored for later becomes due. */
  wakeAt(at: number): void
  /** Stop polling and wait for the current tick to finish. */
  stop(): Promise<void>
}

/**
 * Loop shared by the workers: run `tick` (returns how many jobs it handled), sleep when idle until
 * woken — at once by `wake` (new work committed), at a time by `wakeAt` (a job's run time), or by the
 * poll interval, which is only the safety net for work nobody announced (another process, an
 * expired lease). A wake that arrives while a tick runs makes the next sleep return at once. A
 * throwing tick is logged and retried after the interval, never crashing the process.
 */
export function createWorkerLoop(
  name: string,
  tick: () => Promise<number>,
  intervalMs: number,
  logger: Logger,
  now: () => number = Date.now,
): WorkerLoop {
  let running = false
  let current: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let wakeUp: (() => void) | undefined
  let woken = false

  const wake = () => {
    woken = true
    wakeUp?.()
  }
  const alarms = createAlarms(wake, now)

  const sleep = () =>
    new Promise<void>((resolve) => {
      if (woken || !running) return resolve()
      wakeUp = resolve
      timer = setTimeout(resolve, intervalMs)
    }).finally(() => {
      if (timer) clearTimeout(timer)
      timer = undefined
      wakeUp = undefined
    })

  async function run(): Promise<void> {
    while (running) {
      let handled = 0
      // Whatever was committed before this point, the tick sees; a wake from now on means more.
      woken = false
      try {
        handled = await tick()
      } catch (err) {
        logger.error(
          { err: errorMessage(err), worker: name },
          'worker tick failed; retrying after the poll interval',
        )
        woken = false
      }
      if (running && handled === 0) await sleep()
    }
  }

  return {
    start() {
      if (running) return
      running = true
      current = run()
    },
    wake,
    wakeAt(at) {
      if (running) alarms.add(at)
    },
    async stop() {
      running = false
      alarms.clear()
      wakeUp?.()
      await current
    },
  }
}
