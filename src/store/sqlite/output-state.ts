import type Database from 'better-sqlite3'
import { serializePayload } from './job-rows.js'

export interface OutputStateTable {
  get(output: string, key: string): unknown
  set(output: string, key: string, value: unknown, now: number): void
}

/** The `output_state` table: one JSON value per (output, key). */
export function outputStateTable(db: Database.Database): OutputStateTable {
  const select = db.prepare<[string, string], { value: string }>(
    'SELECT value FROM output_state WHERE output = ? AND key = ?',
  )
  const upsert = db.prepare<[string, string, string, number]>(
    `INSERT INTO output_state (output, key, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (output, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  )
  return {
    get(output, key) {
      const row = select.get(output, key)
      return row === undefined ? undefined : (JSON.parse(row.value) as unknown)
    },
    set(output, key, value, now) {
      upsert.run(output, key, serializePayload(value), now)
    },
  }
}
