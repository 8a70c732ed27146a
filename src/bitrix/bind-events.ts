import type { BitrixConfig } from '../config/types.js'
import type { BitrixClient, PortalRecord } from './types.js'

/** One subscription: an online one posts to `handler`, an offline one queues on the portal. */
export interface Binding {
  event: string
  offline: boolean
}

export interface BindReport {
  /** Subscriptions made (bind) or removed (unbind) now. */
  changed: Binding[]
  /** Already there (bind) or not there (unbind): left alone. */
  unchanged: Binding[]
}

/**
 * What the config needs bound: the open-line events online and/or offline per `bitrix.delivery`,
 * ONOFFLINEEVENT (the "offline events waiting" ping) when pulling, and the app lifecycle events
 * the bridge must see (ONAPPINSTALL is delivered to the install URL without a binding).
 */
export function neededBindings(bitrix: Pick<BitrixConfig, 'events' | 'delivery'>): Binding[] {
  const events = bitrix.events.map((e) => e.toUpperCase())
  const out: Binding[] = []
  if (bitrix.delivery !== 'offline') for (const event of events) out.push({ event, offline: false })
  if (bitrix.delivery !== 'online') {
    for (const event of events) out.push({ event, offline: true })
    out.push({ event: 'ONOFFLINEEVENT', offline: false })
  }
  out.push({ event: 'ONAPPUPDATE', offline: false }, { event: 'ONAPPUNINSTALL', offline: false })
  return out
}

interface BoundRow {
  event?: unknown
  handler?: unknown
  offline?: unknown
}

function sameHandler(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '')
}

async function currentBindings(client: BitrixClient, portal: PortalRecord): Promise<BoundRow[]> {
  const result = await client.call(portal, 'event.get')
  return Array.isArray(result) ? (result as BoundRow[]) : []
}

function isBound(rows: BoundRow[], binding: Binding, handler: string): boolean {
  return rows.some((row) => {
    if (String(row.event ?? '').toUpperCase() !== binding.event) return false
    const offline = String(row.offline ?? '0') === '1'
    if (offline !== binding.offline) return false
    return offline || sameHandler(String(row.handler ?? ''), handler)
  })
}

function params(binding: Binding, handler: string): Record<string, unknown> {
  return binding.offline ? { event: binding.event, event_type: 'offline' } : { event: binding.event, handler }
}

/**
 * `event.get`, then `event.bind` (or `event.unbind`) for each subscription whose state differs
 * from the wanted one; the others are reported unchanged, so running it twice changes nothing.
 */
async function reconcile(
  method: 'event.bind' | 'event.unbind',
  client: BitrixClient,
  portal: PortalRecord,
  handler: string,
  needed: readonly Binding[],
): Promise<BindReport> {
  const rows = await currentBindings(client, portal)
  const want = method === 'event.bind'
  const report: BindReport = { changed: [], unchanged: [] }
  for (const binding of needed) {
    if (isBound(rows, binding, handler) === want) {
      report.unchanged.push(binding)
      continue
    }
    await client.call(portal, method, params(binding, handler))
    report.changed.push(binding)
  }
  return report
}

/** Subscribe the handler to each needed event that is not bound yet. */
export const bindEvents = (
  client: BitrixClient,
  portal: PortalRecord,
  handler: string,
  needed: readonly Binding[],
) => reconcile('event.bind', client, portal, handler, needed)

/** Remove the bridge's subscriptions that are there. */
export const unbindEvents = (
  client: BitrixClient,
  portal: PortalRecord,
  handler: string,
  needed: readonly Binding[],
) => reconcile('event.unbind', client, portal, handler, needed)
