import type { PortalConfig } from '../config/types.js'
import type { PortalCredentials, RemovedPortal, Store } from '../store/store.js'
import { createPortalDirectory, type PortalDirectory } from './portal-directory.js'
import type { PortalRecord } from './types.js'

/**
 * The PortalDirectory of a bridge that also takes installs (OAuth mode): hand-configured portals
 * plus installed ones, looked up synchronously on the request path from memory. The memory is
 * loaded from the store at boot and changed only here, store first where it matters, so an
 * install is visible to the very next request. A hand-configured portal always wins: an installed
 * record with the same member_id, id or domain never shadows it in find(), get() or list().
 */
export interface PortalRegistry extends PortalDirectory {
  /** The hand-configured portal an install with this member_id or domain would collide with. */
  configured(memberId: string, domain: string): PortalRecord | undefined
  /** An installed portal's credentials (tokens in clear), from memory. */
  credentials(memberId: string): PortalCredentials | undefined
  /** Installed portals' credentials. */
  installed(): PortalCredentials[]
  /** Stores a whole record (install, update) and publishes it. */
  save(credentials: PortalCredentials): Promise<void>
  /** Changes an installed portal's record and stores it; undefined when it is not installed. */
  update(
    memberId: string,
    change: (current: PortalCredentials) => PortalCredentials,
  ): Promise<PortalCredentials | undefined>
  /** Forgets an installed portal (uninstall). */
  remove(memberId: string, options?: { purgeMirrors?: boolean }): Promise<RemovedPortal>
  /** Re-reads one installed portal from the store (another instance changed it). */
  reload(memberId: string): Promise<PortalCredentials | undefined>
}

export function recordFromCredentials(credentials: PortalCredentials): PortalRecord {
  return {
    id: credentials.memberId,
    memberId: credentials.memberId,
    domain: credentials.domain.toLowerCase(),
    applicationToken: credentials.applicationToken,
    clientEndpoint: credentials.clientEndpoint,
    installed: true,
    status: credentials.status,
  }
}

export async function loadPortalRegistry(
  configured: readonly PortalConfig[],
  store: Store,
  now: () => number = Date.now,
): Promise<PortalRegistry> {
  // Instances sharing the store: each change re-reads the stored record under a per-portal lock,
  // so one instance never writes back tokens another instance has already replaced.
  const shared = store.coordination
  const byHand = createPortalDirectory(configured)
  const credentials = new Map<string, PortalCredentials>()
  const records = new Map<string, PortalRecord>()
  const publish = (c: PortalCredentials) => {
    credentials.set(c.memberId, c)
    records.set(c.memberId, recordFromCredentials(c))
  }
  for (const c of await store.listPortals()) publish(c)
  const collides = (memberId: string, domain: string) => {
    const lower = domain.toLowerCase()
    return byHand.list().find((p) => p.id === memberId || p.memberId === memberId || p.domain === lower)
  }
  // Installed records stored before collisions were refused stay in the store but are not served.
  const served = (r: PortalRecord) => collides(r.id, r.domain) === undefined

  return {
    configured: collides,
    find(memberId, domain) {
      const hand = byHand.find(memberId, domain)
      if (hand !== undefined) return hand
      const installed = records.get(memberId)
      return installed !== undefined && served(installed) ? installed : undefined
    },
    get(id) {
      const hand = byHand.get(id)
      if (hand !== undefined) return hand
      const installed = records.get(id)
      return installed !== undefined && served(installed) ? installed : undefined
    },
    list: () => [...byHand.list(), ...[...records.values()].filter(served)],
    credentials: (memberId) => credentials.get(memberId),
    installed: () => [...credentials.values()],
    async save(c) {
      await store.savePortal(c)
      publish(c)
    },
    async update(memberId, change) {
      if (shared !== undefined) {
        return shared.withLock(`portal:${memberId}`, async () => {
          const stored = await store.getPortal(memberId)
          if (stored === undefined) return undefined
          const next: PortalCredentials = { ...change(stored), updatedAt: now() }
          await store.savePortal(next)
          publish(next)
          return next
        })
      }
      const current = credentials.get(memberId)
      if (current === undefined) return undefined
      const next: PortalCredentials = { ...change(current), updatedAt: now() }
      // Published before the write resolves so a concurrent update merges onto this one, not
      // onto the older record (SQLite writes run in call order).
      publish(next)
      await store.savePortal(next)
      return next
    },
    async reload(memberId) {
      const stored = await store.getPortal(memberId)
      if (stored === undefined) {
        credentials.delete(memberId)
        records.delete(memberId)
      } else publish(stored)
      return stored
    },
    async remove(memberId, options = {}) {
      const removed = await store.removePortal(memberId, options)
      credentials.delete(memberId)
      records.delete(memberId)
      return removed
    },
  }
}
