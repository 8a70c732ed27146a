import type { Logger } from 'pino'
import type { HostGuard } from '../bitrix/host-guard.js'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { PortalRecord } from '../bitrix/types.js'
import { BridgeError, type ErrorCode, ErrorCodes } from '../errors.js'
import { createRateLimitedLog, type RateLimitedLog } from '../observability/rate-limited-log.js'
import type { Store } from '../store/store.js'
import { clipText } from './clip-text.js'
import {
  defaultHandlers,
  type EventHandler,
  type EventHandlerMap,
  type ReceiverAnswer,
} from './event-handlers.js'
import { type EventAuth, type EventEnvelope, readEnvelope } from './event-schema.js'
import type { PendingCap } from './pending-cap.js'
import { tokenError, verifyToken } from './verify-token.js'

export interface EventReceiverDeps {
  store: Store
  portals: PortalDirectory
  logger: Logger
  /** Connectors to route; empty = all. */
  connectors: readonly string[]
  /** Open-line event types to handle (case-insensitive); app lifecycle events are always handled. */
  events: readonly string[]
  /** Replaces or adds handlers by event type (e.g. OAuth mode's ONAPPINSTALL). */
  handlers?: EventHandlerMap
  /** Called after jobs were durably stored (wake the workers); must be cheap and not throw. */
  onQueued?: (count: number) => void
  /**
   * The SSRF guard: an event whose `auth.client_endpoint` is neither the portal's known domain nor
   * an allowed host is rejected (401) before anything is stored or sent.
   */
  hosts?: HostGuard
  /** Seals the editing user's token before it is stored in a job (storage.encryptionKey). */
  sealUserToken?: (token: string) => string
  /** When a new fetch job becomes due (the coalescing window); default at once. */
  fetchDueAt?: () => number
  /** Per-portal cap on queued jobs: over it the event is refused with 503. */
  pendingCap?: PendingCap
  /** Called when a portal is refused for its cap (metric, rate-limited log line). */
  onQueueFull?: (portal: PortalRecord, pending: number, limit: number) => void
  /** Called for every event rejected before anything was stored, with its error code (a metric). */
  onRejected?: (code: ErrorCode) => void
  /** Where "event rejected" lines go; default: at most one line (and one summary) per 10 s. */
  rejections?: RateLimitedLog
}

/** "event rejected" lines: an outsider decides how many requests are rejected, not how many lines. */
export const REJECTION_LOG_INTERVAL_MS = 10_000

/** Handles one parsed body; resolves to the 200 answer or throws a BridgeError the error handler maps. */
export type EventReceiver = (body: unknown) => Promise<ReceiverAnswer>

/**
 * The request path, in order: shape → event type handled? → token → handler (connector filter,
 * durable enqueue). Everything here is built once; a request allocates only what it returns.
 */
export function createEventReceiver(deps: EventReceiverDeps): EventReceiver {
  const { logger } = deps
  const handlers: EventHandlerMap = {
    ...defaultHandlers({
      store: deps.store,
      logger,
      connectors: new Set(deps.connectors),
      ...(deps.onQueued === undefined ? {} : { onQueued: deps.onQueued }),
      ...(deps.sealUserToken === undefined ? {} : { sealUserToken: deps.sealUserToken }),
      ...(deps.fetchDueAt === undefined ? {} : { fetchDueAt: deps.fetchDueAt }),
      ...(deps.pendingCap === undefined ? {} : { pendingCap: deps.pendingCap }),
      ...(deps.onQueueFull === undefined ? {} : { onQueueFull: deps.onQueueFull }),
    }),
    ...deps.handlers,
  }
  const rejections =
    deps.rejections ?? createRateLimitedLog(logger, { intervalMs: REJECTION_LOG_INTERVAL_MS })
  /** Counts and (rate-limited) logs a rejection; every event-supplied string is cut to 64 characters. */
  function noteRejected(envelope: EventEnvelope, code: ErrorCode, reason: string): void {
    deps.onRejected?.(code)
    rejections.note(
      'event rejected',
      {
        member_id: clipText(envelope.auth.memberId),
        domain: clipText(envelope.auth.domain),
        event: clipText(envelope.type),
        code,
        reason: clipText(reason, 200),
      },
      'event rejected',
    )
  }
  const enabled = new Set(deps.events.map((e) => e.toUpperCase()))
  // Only the handlers that may run, keyed by type: one Map lookup per request.
  const active = new Map<string, EventHandler>()
  for (const [type, handler] of Object.entries(handlers)) {
    if (handler.always === true || enabled.has(type)) active.set(type, handler)
  }

  // Last endpoints accepted per portal: the usual event repeats them, so no URL is parsed per request.
  const knownEndpoints = new Map<string, string>()
  const knownServers = new Map<string, string>()
  /** The endpoint field that points somewhere the bridge would never send a token, if any. */
  function foreignEndpoint(auth: EventAuth, portal: PortalRecord): string | undefined {
    const hosts = deps.hosts
    if (hosts === undefined) return undefined
    const client = auth.clientEndpoint
    if (
      client !== undefined &&
      client !== portal.clientEndpoint &&
      knownEndpoints.get(portal.id) !== client
    ) {
      if (!hosts.allowsFor(client, portal.domain)) return 'client_endpoint'
      knownEndpoints.set(portal.id, client)
    }
    const server = auth.serverEndpoint
    if (server !== undefined && knownServers.get(portal.id) !== server) {
      // The OAuth server is never on the portal's own domain: only an allowed host will do.
      if (!hosts.allowsHost(server)) return 'server_endpoint'
      knownServers.set(portal.id, server)
    }
    return undefined
  }

  return async (body) => {
    const envelope = readEnvelope(body)
    const handler = active.get(envelope.type)
    // Even an event type we do not handle is answered only to a verified sender: a stranger learns
    // nothing (not even which types are handled) and always gets 401.
    const parsed = handler?.parse(envelope)
    const check = handler?.verify?.(envelope) ?? verifyToken(deps.portals, envelope.auth)
    if (!check.ok) {
      // Secret-free on purpose: no token, no body.
      noteRejected(envelope, check.code, check.reason)
      throw tokenError(check)
    }
    if (handler === undefined) return { ignored: `event type ${clipText(envelope.type)} is not handled` }
    const foreign = foreignEndpoint(envelope.auth, check.portal)
    if (foreign !== undefined) {
      noteRejected(envelope, ErrorCodes.AUTH_ENDPOINT_NOT_ALLOWED, `${foreign} not allowed`)
      throw new BridgeError(
        ErrorCodes.AUTH_ENDPOINT_NOT_ALLOWED,
        `auth.${foreign} is not on portal ${check.portal.domain} nor an allowed host; the event was not accepted (add the host to bitrix.allowedHosts if the portal really lives there)`,
      )
    }
    return handler.handle(parsed, check.portal, envelope)
  }
}
