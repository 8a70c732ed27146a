import type pg from 'pg'
import { serializePayload } from '../sqlite/job-rows.js'

type Db = Pick<pg.ClientBase, 'query'>

/** The `output_state` table: one JSON value per (output, key). */
export async function getOutputState(db: Db, output: string, key: string): Promise<unknown> {
  const { rows } = await db.query<{ value: string }>(
    'SELECT value FROM output_state WHERE output = $1 AND key = $2',
    [output, key],
  )
  return rows[0] === undefined ? undefined : (JSON.parse(rows[0].value) as unknown)
}

export async function setOutputState(
  db: Db,
  output: string,
  key: string,
  value: unknown,
  now: number,
): Promise<void> {
  await db.query(
    `INSERT INTO output_state (output, key, value, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (output, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    [output, key, serializePayload(value), now],
  )
}
