import type pg from 'pg'

/**
 * Session advisory locks on a pooled connection held for the duration of `fn`. If the instance
 * dies, its connection closes and Postgres releases the lock: a killed instance never leaves a
 * portal locked. Names are hashed to the 64-bit key space (`hashtextextended`).
 */
export async function withAdvisoryLock<T>(pool: pg.Pool, name: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [name])
    try {
      return await fn()
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]).catch(() => {
        broken = true
      })
    }
  } finally {
    client.release(broken)
  }
}

export async function tryAdvisoryLock<T>(
  pool: pg.Pool,
  name: string,
  fn: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const client = await pool.connect()
  let broken = false
  try {
    const { rows } = await client.query<{ got: boolean }>(
      'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got',
      [name],
    )
    if (rows[0]?.got !== true) return { ran: false }
    try {
      return { ran: true, value: await fn() }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]).catch(() => {
        broken = true
      })
    }
  } finally {
    client.release(broken)
  }
}
