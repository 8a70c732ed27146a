import type pg from 'pg'
import { serializePayload } from '../sqlite/job-rows.js'
import type { MirrorRecord } from '../store.js'

type Db = Pick<pg.ClientBase, 'query'>

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

export async function getMirror(
  db: Db,
  portal: string,
  messageId: number,
  output: string,
): Promise<MirrorRecord | undefined> {
  const { rows } = await db.query<MirrorRow>(
    'SELECT * FROM mirrors WHERE portal = $1 AND message_id = $2 AND output = $3',
    [portal, messageId, output],
  )
  const row = rows[0]
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
}

/** Upsert: the pipeline decides whether a version may replace the stored one. */
export async function saveMirror(db: Db, record: MirrorRecord): Promise<void> {
  await db.query(
    `INSERT INTO mirrors (portal, message_id, output, ref, hash, version, text, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (portal, message_id, output) DO UPDATE SET
       ref = excluded.ref, hash = excluded.hash, version = excluded.version,
       text = excluded.text, updated_at = excluded.updated_at`,
    [
      record.portal,
      record.messageId,
      record.output,
      serializePayload(record.ref),
      record.hash,
      record.version,
      record.text,
      record.updatedAt,
    ],
  )
}
