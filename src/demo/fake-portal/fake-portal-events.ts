import { randomBytes } from 'node:crypto'
import { type FakeMethod, FakeRestError } from './fake-portal-methods.js'

// Event subscriptions and the offline event queue of a fake portal, as event.* methods see them
// (https://apidocs.bitrix24.com/api-reference/events/). No vitest imports (used by the demo too).

export interface FakeBinding {
  event: string
  handler: string
  offline: boolean
}

export interface FakeOfflineEvent {
  id: number
  name: string
  data: unknown
  at: string
  messageId: string
  /** Set when an `event.offline.get {clear: 0}` handed the event out. */
  processId?: string
}

export interface FakeEventState {
  bindings: FakeBinding[]
  offline: FakeOfflineEvent[]
  /** Every `event.offline.clear` process id, in call order. */
  cleared: string[]
  /** Every `event.offline.get` call's params, in call order. */
  offlineGets: Record<string, unknown>[]
  nextId: number
  /** `feature.get` answers (`rest_offline_extended`: Y by default). */
  features: Map<string, string>
}

export function createEventState(): FakeEventState {
  return {
    bindings: [],
    offline: [],
    cleared: [],
    offlineGets: [],
    nextId: 1,
    features: new Map([['rest_offline_extended', 'Y']]),
  }
}

const upper = (value: unknown) => String(value ?? '').toUpperCase()
const isOffline = (params: Record<string, unknown>) => String(params.event_type ?? '') === 'offline'

/** `event.get`, `event.bind`, `event.unbind`, `event.offline.get`, `event.offline.clear`, `app.info`. */
export function eventMethods(state: FakeEventState): Map<string, FakeMethod> {
  const methods = new Map<string, FakeMethod>()
  methods.set('app.info', () => ({ ID: 1, CODE: 'local.bridge', VERSION: 1, STATUS: 'L', INSTALLED: true }))
  methods.set('event.get', () =>
    state.bindings.map((b) => ({
      event: b.event,
      handler: b.handler,
      auth_type: '0',
      offline: b.offline ? 1 : 0,
    })),
  )
  methods.set('event.bind', (params) => {
    const event = upper(params.event)
    const offline = isOffline(params)
    const handler = offline ? '' : String(params.handler ?? '')
    if (event === '') throw new FakeRestError(400, 'ERROR_EVENT_NOT_FOUND', 'Event not found')
    if (!offline && !/^https?:\/\//.test(handler))
      throw new FakeRestError(400, 'ERROR_HANDLER_URL', 'Wrong handler URL')
    if (state.bindings.some((b) => b.event === event && b.handler === handler && b.offline === offline)) {
      throw new FakeRestError(400, 'ERROR_HANDLER_ALREADY_BINDED', 'Handler already binded')
    }
    state.bindings.push({ event, handler, offline })
    return true
  })
  methods.set('event.unbind', (params) => {
    const event = upper(params.event)
    const offline = isOffline(params)
    const handler = offline ? '' : String(params.handler ?? '')
    const before = state.bindings.length
    state.bindings = state.bindings.filter(
      (b) => !(b.event === event && b.handler === handler && b.offline === offline),
    )
    return { count: before - state.bindings.length }
  })
  methods.set('feature.get', (params) => {
    const code = String(params.CODE ?? '')
    if (code === '') throw new FakeRestError(400, 'CODE_EMPTY', "CODE can't be empty")
    return { value: state.features.get(code) ?? 'N' }
  })
  methods.set('event.offline.get', (params) => {
    state.offlineGets.push(params)
    const limit = Math.min(50, Math.max(1, Number(params.limit ?? 50)))
    const wanted = params.process_id === undefined ? undefined : String(params.process_id)
    // With a process id: that process's events again (it crashed before clearing); else unmarked ones.
    const picked = state.offline.filter((e) => e.processId === wanted).slice(0, limit)
    const processId = wanted ?? randomBytes(8).toString('hex')
    // Without the confirmation mode the portal cannot reserve: what it hands out is gone (unverified:
    // the docs only say the mode exists on some plans; this is the case the bridge must survive).
    const extended = state.features.get('rest_offline_extended') === 'Y'
    const clear = String(params.clear ?? '1') !== '0' || !extended
    for (const e of picked) e.processId = processId
    if (clear) state.offline = state.offline.filter((e) => !picked.includes(e))
    return {
      process_id: processId,
      events: picked.map((e) => ({
        ID: String(e.id),
        TIMESTAMP_X: e.at,
        EVENT_NAME: e.name,
        EVENT_DATA: e.data,
        EVENT_ADDITIONAL: { user_id: '7' },
        MESSAGE_ID: e.messageId,
      })),
    }
  })
  methods.set('event.offline.clear', (params) => {
    const processId = String(params.process_id ?? '')
    if (processId === '') throw new FakeRestError(400, 'PROCESS_ID_EMPTY', 'process_id is required')
    state.cleared.push(processId)
    state.offline = state.offline.filter((e) => e.processId !== processId)
    return true
  })
  return methods
}

/** Queues an offline event as the portal would when a bound object changes. */
export function addOfflineEvent(state: FakeEventState, name: string, data: unknown, messageId: string): void {
  const id = state.nextId++
  state.offline.push({ id, name: name.toUpperCase(), data, messageId, at: new Date().toISOString() })
}
