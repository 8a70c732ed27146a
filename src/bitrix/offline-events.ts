import type { Logger } from 'pino'
import { ErrorCodes, errorMessage, isBridgeError } from '../errors.js'
import type { EventEnvelope } from '../receiver/event-schema.js'
import { createOfflineModes } from './offline-mode.js'
import type { PortalRegistry } from './portal-registry.js'
import type { BitrixClient, PortalRecord } from './types.js'

export interface OfflinePollerDeps {
  bitrix: BitrixClient
  registry: PortalRegistry
  /**
   * Stores one event through the receiver's own path (connector filter, coalescing, durable
   * enqueue); resolves to the jobs stored. Throws BRG_ERR_BODY_INVALID when the data is unusable.
   */
  accept(envelope: EventEnvelope, portal: PortalRecord): Promise<number>
  logger: Logger
  now?: () => number
  /** Events per `event.offline.get` (Bitrix24's default and maximum: 50). */
  limit?: number
  /**
   * Instances sharing the store: runs the pull only when no other instance is pulling this portal
   * (`ran: false` then: that instance pulls, this one stands by).
   */
  tryLock?: <T>(name: string, fn: () => Promise<T>) => Promise<{ ran: true; value: T } | { ran: false }>
}

export interface OfflinePoller {
  /** Pulls one portal's offline queue until it is empty; concurrent calls share the pull. */
  poll(memberId: string): Promise<{ events: number; queued: number }>
  /** Every active installed portal, one after another; errors are logged, not thrown. */
  pollAll(): Promise<void>
  start(intervalMs: number): void
  stop(): Promise<void>
}

interface OfflineEvent {
  EVENT_NAME?: unknown
  TIMESTAMP_X?: unknown
  EVENT_DATA?: unknown
  ID?: unknown
}

function envelopeOf(event: OfflineEvent, portal: PortalRecord, now: number): EventEnvelope {
  const at = typeof event.TIMESTAMP_X === 'string' ? Date.parse(event.TIMESTAMP_X) : Number.NaN
  return {
    type: String(event.EVENT_NAME ?? '').toUpperCase(),
    ts: Math.floor((Number.isNaN(at) ? now : at) / 1000),
    auth: { memberId: portal.id, domain: portal.domain },
    data: event.EVENT_DATA,
  }
}

/**
 * Offline events (BITRIX24.md §4). Where the plan allows it (feature.get rest_offline_extended,
 * checked once per portal after start; see offline-mode.ts), `event.offline.get {clear: 0}` marks a batch with a process id,
 * which is stored before the events are processed; the events go through the receiver's path;
 * only then `event.offline.clear {process_id}`. A crash in between leaves the process id stored,
 * and the next pull asks for that process's events again: they are stored again, and coalescing
 * plus the content hash keep the mirrors from changing twice.
 */
export function createOfflinePoller(deps: OfflinePollerDeps): OfflinePoller {
  const { registry, logger } = deps
  const now = deps.now ?? Date.now
  const limit = deps.limit ?? 50
  const running = new Map<string, Promise<{ events: number; queued: number }>>()
  // Whether each portal can reserve events: feature.get, asked at the first pull after start.
  const modes = createOfflineModes(deps.bitrix, logger)
  const again = new Set<string>()
  let timer: NodeJS.Timeout | undefined

  const forgetProcess = (memberId: string) =>
    registry.update(memberId, (c) => {
      const { offlineProcessId: _done, ...rest } = c
      return rest
    })

  async function acceptAll(events: OfflineEvent[], portal: PortalRecord): Promise<number> {
    let queued = 0
    for (const event of events) {
      try {
        queued += await deps.accept(envelopeOf(event, portal, now()), portal)
      } catch (err) {
        if (!isBridgeError(err) || err.code !== ErrorCodes.BODY_INVALID) throw err
        logger.warn(
          { portal: portal.domain, event: event.EVENT_NAME, id: event.ID, err: errorMessage(err) },
          'offline event skipped: its data names no message the bridge can read',
        )
      }
    }
    return queued
  }

  /** Without the confirmation mode: `clear: 1` hands the events out and deletes them; store at once. */
  async function pullBasic(portal: PortalRecord): Promise<{ events: number; queued: number; more: boolean }> {
    const result = (await deps.bitrix.call(portal, 'event.offline.get', { clear: 1, limit })) as {
      events?: unknown
    } | null
    const events: OfflineEvent[] = Array.isArray(result?.events) ? (result.events as OfflineEvent[]) : []
    const queued = await acceptAll(events, portal)
    return { events: events.length, queued, more: events.length >= limit }
  }

  async function pullOnce(memberId: string): Promise<{ events: number; queued: number; more: boolean }> {
    const creds = registry.credentials(memberId)
    const portal = registry.get(memberId)
    if (creds === undefined || portal === undefined || creds.status !== 'active') {
      return { events: 0, queued: 0, more: false }
    }
    if ((await modes.of(portal)) === 'basic') return pullBasic(portal)
    const pending = creds.offlineProcessId
    const params: Record<string, unknown> = { clear: 0, limit }
    if (pending !== undefined) params.process_id = pending
    const result = (await deps.bitrix.call(portal, 'event.offline.get', params)) as {
      process_id?: unknown
      events?: unknown
    } | null
    const events: OfflineEvent[] = Array.isArray(result?.events) ? (result.events as OfflineEvent[]) : []
    if (events.length === 0) {
      if (pending !== undefined) await forgetProcess(memberId)
      return { events: 0, queued: 0, more: pending !== undefined }
    }
    const processId = String(result?.process_id ?? pending ?? '')
    if (processId !== pending) await registry.update(memberId, (c) => ({ ...c, offlineProcessId: processId }))
    const queued = await acceptAll(events, portal)
    await deps.bitrix.call(portal, 'event.offline.clear', { process_id: processId })
    await forgetProcess(memberId)
    return { events: events.length, queued, more: pending !== undefined || events.length >= limit }
  }

  async function pull(memberId: string): Promise<{ events: number; queued: number }> {
    const total = { events: 0, queued: 0 }
    do {
      again.delete(memberId)
      for (let round = 0; round < 1000; round++) {
        const step = await pullOnce(memberId)
        total.events += step.events
        total.queued += step.queued
        if (!step.more) break
      }
    } while (again.has(memberId))
    if (total.events > 0) logger.info({ member_id: memberId, ...total }, 'offline events pulled')
    return total
  }

  const poller: OfflinePoller = {
    poll(memberId) {
      const current = running.get(memberId)
      if (current !== undefined) {
        // A ping during a pull: pull once more when this one ends, for events that came after it.
        again.add(memberId)
        return current
      }
      const exclusive = deps.tryLock
      const started = (
        exclusive === undefined
          ? pull(memberId)
          : exclusive(`offline:${memberId}`, async () => {
              // Another instance may have pulled (and stored a process id) since this one last looked.
              await registry.reload(memberId)
              return pull(memberId)
            }).then((r) => (r.ran ? r.value : { events: 0, queued: 0 }))
      ).finally(() => running.delete(memberId))
      running.set(memberId, started)
      return started
    },
    async pollAll() {
      for (const c of registry.installed()) {
        if (c.status !== 'active') continue
        try {
          await poller.poll(c.memberId)
        } catch (err) {
          logger.warn(
            { portal: c.domain, err: errorMessage(err) },
            'offline events pull failed; retried at the next poll',
          )
        }
      }
    },
    start(intervalMs) {
      if (timer !== undefined) return
      void poller.pollAll()
      timer = setInterval(() => void poller.pollAll(), intervalMs)
      timer.unref()
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      await Promise.allSettled([...running.values()])
    },
  }
  return poller
}
