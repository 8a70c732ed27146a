import { Pool } from 'undici'
import { formType } from './event-bodies.js'

export interface Posted {
  /** HTTP status per body, 0 for a network error. */
  statuses: number[]
  /** performance.now() when each request was started. */
  sentAt: number[]
}

/**
 * POSTs every body over `concurrency` keep-alive connections, as fast as answers come back (a
 * Bitrix24 burst, or queueing a backlog). Each body is sent once: Bitrix24 never resends.
 */
export async function postAll(url: string, bodies: readonly string[], concurrency: number): Promise<Posted> {
  const target = new URL(url)
  const pool = new Pool(target.origin, { connections: concurrency })
  const statuses = new Array<number>(bodies.length).fill(0)
  const sentAt = new Array<number>(bodies.length).fill(0)
  let next = 0
  async function lane(): Promise<void> {
    for (let i = next++; i < bodies.length; i = next++) {
      sentAt[i] = performance.now()
      try {
        const res = await pool.request({
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': formType },
          body: bodies[i] ?? '',
        })
        statuses[i] = res.statusCode
        await res.body.dump()
      } catch {
        statuses[i] = 0
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane))
  } finally {
    await pool.close()
  }
  return { statuses, sentAt }
}
