/**
 * At most `concurrency` mails at a time (the pool's `maxConnections`), each started at least
 * `minIntervalMs` after the previous one ended (one at a time) or started (several): mails leave
 * in the order they were asked for, and a server that limits the rate is not hammered. Failures
 * do not stop the queue.
 */
export function createPacer(
  minIntervalMs: number,
  now: () => number = Date.now,
  concurrency = 1,
): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: (() => void)[] = []
  let last = Number.NEGATIVE_INFINITY

  const acquire = (): Promise<void> => {
    if (running < concurrency) {
      running += 1
      return Promise.resolve()
    }
    // The slot is handed over on release, so a newcomer never overtakes a waiting mail.
    return new Promise((resolve) => waiting.push(resolve))
  }
  const release = (): void => {
    const next = waiting.shift()
    if (next) next()
    else running -= 1
  }

  return async <T>(task: () => Promise<T>): Promise<T> => {
    await acquire()
    try {
      const wait = last + minIntervalMs - now()
      if (concurrency > 1) last = Math.max(now(), last + minIntervalMs)
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      return await task()
    } finally {
      if (concurrency === 1) last = now()
      release()
    }
  }
}
