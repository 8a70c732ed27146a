import type pg from 'pg'
import type { SecretBox } from '../secret-box.js'
import type { PortalCredentials, PortalStatus, QueueName, RemovedPortal } from '../store.js'
import { JOBS_CHANNEL } from './listen-jobs.js'

type Db = Pick<pg.ClientBase, 'query'>

interface PortalRow {
  member_id: string
  domain: string
  client_endpoint: string
  server_endpoint: string
  application_token: string
  access_token: string
  refresh_token: string
  expires_at: number
  scope: string
  status: PortalStatus
  status_reason: string | null
  offline_process_id: string | null
  installed_at: number
  updated_at: number
}

/** The portals table's columns (also what `migrate-store` copies). */
export const portalColumns = [
  'member_id',
  'domain',
  'client_endpoint',
  'server_endpoint',
  'application_token',
  'access_token',
  'refresh_token',
  'expires_at',
  'scope',
  'status',
  'status_reason',
  'offline_process_id',
  'installed_at',
  'updated_at',
] as const

const secretColumns = ['application_token', 'access_token', 'refresh_token'] as const

const upsertSql = `INSERT INTO portals (${portalColumns.join(', ')})
  VALUES (${portalColumns.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (member_id) DO UPDATE SET
  ${portalColumns
    .slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`

/** Installed portals' credentials; the token columns go through the secret box (AAD: member + column). */
export function portalRows(box: SecretBox) {
  const toRecord = (row: PortalRow): PortalCredentials => {
    const record: PortalCredentials = {
      memberId: row.member_id,
      domain: row.domain,
      clientEndpoint: row.client_endpoint,
      serverEndpoint: row.server_endpoint,
      applicationToken: box.open(row.application_token, `${row.member_id}:application_token`),
      accessToken: box.open(row.access_token, `${row.member_id}:access_token`),
      refreshToken: box.open(row.refresh_token, `${row.member_id}:refresh_token`),
      expiresAt: row.expires_at,
      scope: row.scope,
      status: row.status,
      installedAt: row.installed_at,
      updatedAt: row.updated_at,
    }
    if (row.status_reason !== null) record.statusReason = row.status_reason
    if (row.offline_process_id !== null) record.offlineProcessId = row.offline_process_id
    return record
  }

  const toRow = (p: PortalCredentials): PortalRow => {
    const row: PortalRow = {
      member_id: p.memberId,
      domain: p.domain,
      client_endpoint: p.clientEndpoint,
      server_endpoint: p.serverEndpoint,
      application_token: p.applicationToken,
      access_token: p.accessToken,
      refresh_token: p.refreshToken,
      expires_at: p.expiresAt,
      scope: p.scope,
      status: p.status,
      status_reason: p.statusReason ?? null,
      offline_process_id: p.offlineProcessId ?? null,
      installed_at: p.installedAt,
      updated_at: p.updatedAt,
    }
    for (const column of secretColumns) row[column] = box.seal(row[column], `${p.memberId}:${column}`)
    return row
  }

  return {
    async list(db: Db): Promise<PortalCredentials[]> {
      const { rows } = await db.query<PortalRow>('SELECT * FROM portals ORDER BY installed_at, member_id')
      return rows.map(toRecord)
    },
    async get(db: Db, memberId: string): Promise<PortalCredentials | undefined> {
      const { rows } = await db.query<PortalRow>('SELECT * FROM portals WHERE member_id = $1', [memberId])
      return rows[0] === undefined ? undefined : toRecord(rows[0])
    },
    async save(db: Db, portal: PortalCredentials): Promise<void> {
      const row = toRow(portal)
      await db.query(
        upsertSql,
        portalColumns.map((c) => row[c]),
      )
    },
    /** Fetch jobs are grouped by portal; deliver jobs are grouped by output and keyed `<portal>:…`. */
    async remove(db: Db, memberId: string, purgeMirrors: boolean): Promise<RemovedPortal> {
      const jobs = await db.query(
        `DELETE FROM jobs WHERE status = 'pending' AND (
           (queue = 'fetch' AND grp = $1) OR (queue = 'deliver' AND starts_with(key, $2)))`,
        [memberId, `${memberId}:`],
      )
      const mirrors = purgeMirrors
        ? ((await db.query('DELETE FROM mirrors WHERE portal = $1', [memberId])).rowCount ?? 0)
        : 0
      if (purgeMirrors) {
        await db.query('DELETE FROM chats WHERE portal = $1', [memberId])
        await db.query('DELETE FROM conversations WHERE portal = $1', [memberId])
      }
      await db.query('DELETE FROM portals WHERE member_id = $1', [memberId])
      await db.query('DELETE FROM rate_buckets WHERE portal = $1', [memberId])
      return { jobs: jobs.rowCount ?? 0, mirrors }
    },
  }
}

export async function wakeGroup(
  db: Db,
  queue: QueueName,
  group: string,
  now: number,
  instanceId: string,
): Promise<number> {
  const { rows } = await db.query<{ woken: number }>(
    `WITH woken AS (
       UPDATE jobs SET run_at = $3
       WHERE queue = $1 AND grp = $2 AND status = 'pending' AND run_at > $3
         AND (lease_until IS NULL OR lease_until < $3)
       RETURNING id),
     n AS (SELECT count(*)::int AS woken FROM woken)
     SELECT woken, CASE WHEN woken > 0
       THEN pg_notify('${JOBS_CHANNEL}', $1 || ':' || $3::bigint || ':' || $4::text) END AS notified
     FROM n`,
    [queue, group, now, instanceId],
  )
  return rows[0]?.woken ?? 0
}
