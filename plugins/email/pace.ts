/**
 * One mail at a time, at least `minIntervalMs` apart: follow-ups leave in the order they were
 * asked for, and a server that limits the rate is not hammered. Failures do not stop the queue.
 */
export function createPacer(
  minIntervalMs: number,
  now: () => number = Date.now,
): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  let last = Number.NEGATIVE_INFINITY
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = async (): Promise<T> => {
      const wait = last + minIntervalMs - now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      try {
        return await task()
      } finally {
        last = now()
      }
    }
    const result = tail.then(run, run)
    tail = result.catch(() => undefined)
    return result
  }
}
