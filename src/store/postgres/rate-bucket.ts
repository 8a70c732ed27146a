import { randomInt } from 'node:crypto'
import type pg from 'pg'
import type { Logger } from 'pino'
import { errorMessage } from '../../errors.js'
import type { RateBucket } from '../coordination.js'

/**
 * GCRA in one `UPDATE … RETURNING` on the portal's row: the theoretical arrival time `tat` moves
 * by one emission interval per granted request, and a request is granted when `tat` is at most
 * the burst tolerance ahead of now. The row lock serializes instances; the database clock is the
 * one clock they share. A random grant id tells a granted request from a refused one; a refused
 * one learns how long to wait from the same row.
 */
const takeSql = `
  UPDATE rate_buckets AS b SET
    tat = CASE WHEN b.paused_until <= n.now AND GREATEST(b.tat, n.now) - n.now <= $3
      THEN GREATEST(b.tat, n.now) + $2 ELSE b.tat END,
    grant_id = CASE WHEN b.paused_until <= n.now AND GREATEST(b.tat, n.now) - n.now <= $3
      THEN $4 ELSE b.grant_id END
  FROM (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now) AS n
  WHERE b.portal = $1
  RETURNING b.grant_id = $4 AS granted, GREATEST(b.tat - n.now - $3, b.paused_until - n.now) AS wait,
    GREATEST(b.tat - n.now, 0) / $2 AS level`

const penalizeSql = `
  UPDATE rate_buckets SET
    paused_until = GREATEST(paused_until, extract(epoch FROM clock_timestamp()) * 1000 + $2),
    tat = GREATEST(tat, extract(epoch FROM clock_timestamp()) * 1000 + $3)
  WHERE portal = $1`

export interface SharedBucketOptions {
  burst: number
  perSecond: number
  sleep?: (ms: number) => Promise<void>
  logger: Logger
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function sharedRateBucket(pool: pg.Pool, portal: string, options: SharedBucketOptions): RateBucket {
  const sleep = options.sleep ?? realSleep
  // The same one request of headroom as the local bucket (leaky-bucket.ts): clocks never agree exactly.
  const burst = Math.max(1, options.burst - (options.burst > 1 ? 1 : 0))
  const interval = 1000 / Math.max(options.perSecond, 0.001)
  const tolerance = (burst - 1) * interval
  const waiters: Array<() => void> = []
  let created: Promise<unknown> | undefined
  let lastLevel = 0
  let pumping = false

  const ensureRow = () => {
    created ??= pool
      .query('INSERT INTO rate_buckets (portal, tat) VALUES ($1, 0) ON CONFLICT (portal) DO NOTHING', [
        portal,
      ])
      .catch((err: unknown) => {
        created = undefined
        throw err
      })
    return created
  }

  const attempt = async (): Promise<number> => {
    await ensureRow()
    const { rows } = await pool.query<{ granted: boolean; wait: number; level: number }>(takeSql, [
      portal,
      interval,
      tolerance,
      randomInt(2 ** 47),
    ])
    const row = rows[0]
    if (row === undefined) {
      created = undefined // removed meanwhile (portal uninstalled): create it again
      return 1
    }
    lastLevel = Number(row.level)
    return row.granted ? 0 : Math.max(1, Math.ceil(Number(row.wait)))
  }

  async function pump(): Promise<void> {
    if (pumping) return
    pumping = true
    try {
      while (waiters.length > 0) {
        let wait: number
        try {
          wait = await attempt()
        } catch (err) {
          options.logger.warn(
            { portal, err: errorMessage(err) },
            'shared rate bucket unavailable; Bitrix24 calls wait until the database answers',
          )
          wait = 1000
        }
        if (wait > 0) {
          await sleep(wait)
          continue
        }
        waiters.shift()?.()
      }
    } finally {
      pumping = false
    }
  }

  return {
    take() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve)
        void pump()
      })
    },
    penalize(ms) {
      void ensureRow()
        .then(() => pool.query(penalizeSql, [portal, ms, tolerance + interval]))
        .catch((err: unknown) =>
          options.logger.warn({ portal, err: errorMessage(err) }, 'could not pause the shared rate bucket'),
        )
    },
    level: () => lastLevel,
  }
}
