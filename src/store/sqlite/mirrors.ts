import type Database from 'better-sqlite3'
import type { MirrorRecord } from '../store.js'
import { serializePayload } from './job-rows.js'

interface MirrorRow {
  portal: string
  message_id: number
  output: string
  ref: string
  hash: string
  version: number
  text: string
  updated_at: number
}

export interface Mirrors {
  get(portal: string, messageId: number, output: string): MirrorRecord | undefined
  /** Upsert: the pipeline decides whether a version may replace the stored one. */
  save(record: MirrorRecord): void
}

export function mirrors(db: Database.Database): Mirrors {
  const select = db.prepare<[string, number, string], MirrorRow>(
    'SELECT * FROM mirrors WHERE portal = ? AND message_id = ? AND output = ?',
  )
  const upsert = db.prepare<[MirrorRow]>(
    `INSERT INTO mirrors (portal, message_id, output, ref, hash, version, text, updated_at)
     VALUES (@portal, @message_id, @output, @ref, @hash, @version, @text, @updated_at)
     ON CONFLICT (portal, message_id, output) DO UPDATE SET
       ref = excluded.ref, hash = excluded.hash, version = excluded.version,
       text = excluded.text, updated_at = excluded.updated_at`,
  )
  return {
    get(portal, messageId, output) {
      const row = select.get(portal, messageId, output)
      if (row === undefined) return undefined
      return {
        portal: row.portal,
        messageId: row.message_id,
        output: row.output,
        ref: JSON.parse(row.ref) as unknown,
        hash: row.hash,
        version: row.version,
        text: row.text,
        updatedAt: row.updated_at,
      }
    },
    save(record) {
      upsert.run({
        portal: record.portal,
        message_id: record.messageId,
        output: record.output,
        ref: serializePayload(record.ref),
        hash: record.hash,
        version: record.version,
        text: record.text,
        updated_at: record.updatedAt,
      })
    },
  }
}
