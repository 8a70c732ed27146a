import type Database from 'better-sqlite3'
import type { SecretBox } from '../secret-box.js'
import type { PortalCredentials, PortalStatus, QueueName, RemovedPortal } from '../store.js'

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

export interface Portals {
  list(): PortalCredentials[]
  get(memberId: string): PortalCredentials | undefined
  save(portal: PortalCredentials): void
  remove(memberId: string, purgeMirrors: boolean): RemovedPortal
  wakeGroup(queue: QueueName, group: string, now: number): number
}

const secretColumns = ['application_token', 'access_token', 'refresh_token'] as const

/** Installed portals' credentials; the token columns go through the secret box (AAD: member + column). */
export function portals(db: Database.Database, box: SecretBox): Portals {
  const selectAll = db.prepare<[], PortalRow>('SELECT * FROM portals ORDER BY installed_at, member_id')
  const selectOne = db.prepare<[string], PortalRow>('SELECT * FROM portals WHERE member_id = ?')
  const upsert = db.prepare<[PortalRow]>(
    `INSERT OR REPLACE INTO portals (member_id, domain, client_endpoint, server_endpoint, application_token,
       access_token, refresh_token, expires_at, scope, status, status_reason, offline_process_id,
       installed_at, updated_at)
     VALUES (@member_id, @domain, @client_endpoint, @server_endpoint, @application_token, @access_token,
       @refresh_token, @expires_at, @scope, @status, @status_reason, @offline_process_id, @installed_at,
       @updated_at)`,
  )
  // Fetch jobs are grouped by portal; deliver jobs are grouped by output and keyed `<portal>:…`.
  const dropJobs = db.prepare<{ member: string; prefix: string }>(
    `DELETE FROM jobs WHERE status = 'pending' AND (
       (queue = 'fetch' AND grp = @member) OR
       (queue = 'deliver' AND substr(key, 1, length(@prefix)) = @prefix))`,
  )
  const dropMirrors = db.prepare<[string]>('DELETE FROM mirrors WHERE portal = ?')
  const dropChats = db.prepare<[string]>('DELETE FROM chats WHERE portal = ?')
  const dropThreads = db.prepare<[string]>('DELETE FROM conversations WHERE portal = ?')
  const dropPortal = db.prepare<[string]>('DELETE FROM portals WHERE member_id = ?')
  const wake = db.prepare<{ queue: QueueName; group: string; now: number }>(
    `UPDATE jobs SET run_at = @now
     WHERE queue = @queue AND grp = @group AND status = 'pending' AND run_at > @now
       AND (lease_until IS NULL OR lease_until < @now)`,
  )

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

  const remove = db.transaction((memberId: string, purgeMirrors: boolean): RemovedPortal => {
    const jobs = dropJobs.run({ member: memberId, prefix: `${memberId}:` }).changes
    const mirrors = purgeMirrors ? dropMirrors.run(memberId).changes : 0
    if (purgeMirrors) {
      dropChats.run(memberId)
      dropThreads.run(memberId)
    }
    dropPortal.run(memberId)
    return { jobs, mirrors }
  })

  return {
    list: () => selectAll.all().map(toRecord),
    get(memberId) {
      const row = selectOne.get(memberId)
      return row === undefined ? undefined : toRecord(row)
    },
    save: (portal) => void upsert.run(toRow(portal)),
    remove: (memberId, purgeMirrors) => remove.immediate(memberId, purgeMirrors),
    wakeGroup: (queue, group, now) => wake.run({ queue, group, now }).changes,
  }
}
