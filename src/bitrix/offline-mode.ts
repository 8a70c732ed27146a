import type { Logger } from 'pino'
import { errorMessage } from '../errors.js'
import type { BitrixClient, PortalRecord } from './types.js'

/**
 * How offline events can be pulled from a portal (REST docs, events/offline-events.md "Availability
 * Check"): `extended` portals reserve events (`event.offline.get {clear: 0}` → process id →
 * `event.offline.clear`), which survives a crash; the others only hand events out and delete them
 * (`clear: 1`), so the bridge stores each one before anything else and a crash in between loses it.
 */
export type OfflineMode = 'extended' | 'basic'

/** The warning for a portal without the confirmation mode; said at `bind` and at start. */
export function basicModeWarning(domain: string, why: string): string {
  return `portal ${domain} cannot reserve offline events (${why}): the bridge pulls them with event.offline.get clear: 1 and stores each at once; events the bridge fetched but had not stored when it crashed are lost. Online delivery (bitrix.delivery: both) covers that gap`
}

/** `feature.get {CODE: rest_offline_extended}` → `{value: 'Y'|'N'}`; a failed check counts as basic. */
export async function checkOfflineMode(
  bitrix: BitrixClient,
  portal: PortalRecord,
): Promise<{ mode: OfflineMode; why: string }> {
  try {
    const result = (await bitrix.call(portal, 'feature.get', { CODE: 'rest_offline_extended' })) as {
      value?: unknown
    } | null
    if (result?.value === 'Y') return { mode: 'extended', why: 'feature.get rest_offline_extended = Y' }
    return { mode: 'basic', why: `feature.get rest_offline_extended = ${String(result?.value ?? 'missing')}` }
  } catch (err) {
    return { mode: 'basic', why: `feature.get failed: ${errorMessage(err)}` }
  }
}

/** Checks each portal once and remembers the answer; warns once per portal in basic mode. */
export function createOfflineModes(bitrix: BitrixClient, logger: Logger) {
  const known = new Map<string, OfflineMode>()
  return {
    async of(portal: PortalRecord): Promise<OfflineMode> {
      const cached = known.get(portal.id)
      if (cached !== undefined) return cached
      const { mode, why } = await checkOfflineMode(bitrix, portal)
      known.set(portal.id, mode)
      if (mode === 'basic') logger.warn({ portal: portal.domain }, basicModeWarning(portal.domain, why))
      return mode
    },
  }
}
