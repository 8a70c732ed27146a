import type { PortalConfig } from '../config/types.js'
import type { PortalRecord } from './types.js'

/**
 * Which portals the bridge serves, looked up on the request path (so: in memory, synchronous).
 * A portal is found by `member_id`, or by domain when it was configured without a member id.
 */
export interface PortalDirectory {
  find(memberId: string, domain: string): PortalRecord | undefined
  get(id: string): PortalRecord | undefined
  list(): PortalRecord[]
}

export function portalFromConfig(config: PortalConfig): PortalRecord {
  const record: PortalRecord = {
    id: config.memberId ?? config.domain.toLowerCase(),
    domain: config.domain.toLowerCase(),
    applicationToken: config.applicationToken,
  }
  if (config.memberId !== undefined) record.memberId = config.memberId
  if (config.webhookUrl !== undefined) record.webhookUrl = config.webhookUrl
  return record
}

export function createPortalDirectory(portals: readonly PortalConfig[]): PortalDirectory {
  const records = portals.map(portalFromConfig)
  const byMember = new Map<string, PortalRecord>()
  const byDomain = new Map<string, PortalRecord>()
  const byId = new Map<string, PortalRecord>()
  for (const record of records) {
    byId.set(record.id, record)
    if (record.memberId !== undefined) byMember.set(record.memberId, record)
    else byDomain.set(record.domain, record)
  }
  return {
    find(memberId, domain) {
      return byMember.get(memberId) ?? byDomain.get(domain.toLowerCase())
    },
    get: (id) => byId.get(id),
    list: () => [...records],
  }
}
