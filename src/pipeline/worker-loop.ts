import type { Logger } from 'pino'
import { errorMessage } from '../errors.js'

export interface WorkerLoop {
  /** Start polling; `tick` runs again at once while it reports work done. */
  start(): void
  /** Run the next tick now instead of waiting for the poll interval. */
  wake(): void
  /** Stop polling and wait for the current tick to finish. */
  stop(): Promise<void>
}

/**
 * Poll loop shared by the workers: run `tick` (returns how many jobs it handled), sleep
 * `intervalMs` when idle, wake early when new work is announced. A throwing tick is logged and
 * retried after the interval, never crashing the process.
 */
export function createWorkerLoop(
  name: string,
  tick: () => Promise<number>,
  intervalMs: number,
  logger: Logger,
): WorkerLoop {
  let running = false
  let current: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let wakeUp: (() => void) | undefined

  const sleep = () =>
    new Promise<void>((resolve) => {
      wakeUp = resolve
      timer = setTimeout(resolve, intervalMs)
    }).finally(() => {
      if (timer) clearTimeout(timer)
      wakeUp = undefined
    })

  async function run(): Promise<void> {
    while (running) {
      let handled = 0
      try {
        handled = await tick()
      } catch (err) {
        logger.error(
          { err: errorMessage(err), worker: name },
          'worker tick failed; retrying after the poll interval',
        )
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
    wake() {
      wakeUp?.()
    },
    async stop() {
      running = false
      wakeUp?.()
      await current
    },
  }
}
