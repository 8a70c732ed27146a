import type { Logger } from 'pino'
import type { PortalRecord } from '../bitrix/types.js'
import { BridgeError, ErrorCodes } from '../errors.js'
import type { EventKind, NormalizedEvent } from '../model.js'
import { fetchJob } from '../pipeline/jobs.js'
import type { JobInput, Store } from '../store/store.js'
import { clipText } from './clip-text.js'
import type { EventEnvelope } from './event-schema.js'
import { normalizeItems, openLineEventKinds } from './normalize-event.js'
import type { PendingCap } from './pending-cap.js'
import type { TokenCheck } from './verify-token.js'

/** The 200 body of a delivery: `{ok, queued}`, `{ignored}`, or what a plugged-in handler returns. */
export type ReceiverAnswer = Readonly<Record<string, unknown>>

/**
 * What the receiver does with one event type. `parse` runs before the token check (pure shape
 * check), `handle` after it. `handle` is on the request path: persist what must survive, nothing
 * slow (Bitrix24 never retries and slows down slow handlers).
 */
export interface EventHandler<T = unknown> {
  /** Handled whatever `bitrix.events` says (app lifecycle events are not a subscription choice). */
  readonly always?: boolean
  parse(envelope: EventEnvelope): T
  /**
   * Replaces the application_token check for this type: ONAPPINSTALL arrives before any token is
   * stored and ONAPPUPDATE carries a rotated one, so OAuth mode proves those another way.
   */
  verify?(envelope: EventEnvelope): TokenCheck
  handle(parsed: T, portal: PortalRecord, envelope: EventEnvelope): Promise<ReceiverAnswer> | ReceiverAnswer
}

/** Handlers by upper-case event type. */
export type EventHandlerMap = Readonly<Record<string, EventHandler>>

export interface HandlerContext {
  store: Store
  logger: Logger
  /** Connectors to route; empty = all. */
  connectors: ReadonlySet<string>
  /** Called after a durable enqueue (wakes the workers). */
  onQueued?: (count: number) => void
  /** Seals user tokens before they are stored in jobs (storage.encryptionKey). */
  sealUserToken?: (token: string) => string
  /** When a new fetch job becomes due (now + `pipeline.coalesceWindowMs`); default at once. */
  fetchDueAt?: () => number
  /** Per-portal cap on queued fetch jobs (`pipeline.maxPendingPerPortal`); over it → 503. */
  pendingCap?: PendingCap
  /** A portal was refused for its cap (count it; log it at most once a minute). Must not throw. */
  onQueueFull?: (portal: PortalRecord, pending: number, limit: number) => void
}

export function openLineHandler(kind: EventKind, ctx: HandlerContext): EventHandler<NormalizedEvent[]> {
  return {
    parse: (envelope) => normalizeItems(envelope, kind),
    async handle(events, portal) {
      const jobs: JobInput[] = []
      const seal = ctx.sealUserToken
      const runAt = ctx.fetchDueAt?.()
      for (const event of events) {
        if (ctx.connectors.size !== 0 && !ctx.connectors.has(event.connector)) continue
        const stored =
          seal === undefined || event.userToken === undefined
            ? event
            : { ...event, userToken: seal(event.userToken) }
        jobs.push(fetchJob(portal.id, stored, runAt))
      }
      if (jobs.length === 0) return { ignored: `connector ${clipText(events[0]?.connector)} is not routed` }
      await admitToQueue(ctx, portal, jobs.length)
      try {
        await ctx.store.enqueue(jobs)
      } catch (err) {
        throw new BridgeError(
          ErrorCodes.STORE_UNAVAILABLE,
          'The event could not be stored, so it was not accepted (Bitrix24 logs a failed delivery). Check the storage: disk space, permissions, the database file.',
          { cause: err },
        )
      }
      notifyQueued(ctx, jobs.length)
      return { ok: true, queued: jobs.length }
    },
  }
}

/** Refuses (503) an event of a portal whose backlog is at its cap, so one portal cannot fill the store. */
async function admitToQueue(ctx: HandlerContext, portal: PortalRecord, adding: number): Promise<void> {
  if (ctx.pendingCap === undefined) return
  const verdict = await ctx.pendingCap.admit(portal.id, adding)
  if (verdict.ok) return
  ctx.onQueueFull?.(portal, verdict.pending, verdict.limit)
  throw new BridgeError(
    ErrorCodes.PORTAL_QUEUE_FULL,
    `Portal ${portal.domain} already has ${verdict.pending} events waiting to be mirrored (pipeline.maxPendingPerPortal is ${verdict.limit}); this event was not stored. Other portals are not affected; the portal is accepted again as its backlog drains.`,
    { details: { pending: verdict.pending, limit: verdict.limit } },
  )
}

// The jobs are already stored: a failing wake-up must not turn the answer into an error.
function notifyQueued(ctx: HandlerContext, count: number): void {
  try {
    ctx.onQueued?.(count)
  } catch (err) {
    ctx.logger.error({ err }, 'onQueued failed; workers pick the jobs up on their next poll')
  }
}

export const APP_LIFECYCLE_IGNORED = 'app lifecycle events are handled in OAuth mode (not configured)'

/** Placeholder until OAuth mode stores tokens from install/update and forgets the portal on uninstall. */
export const ignoredLifecycleHandler: EventHandler<undefined> = {
  always: true,
  parse: () => undefined,
  handle: () => ({ ignored: APP_LIFECYCLE_IGNORED }),
}

/** The built-in map: the three open-line message events and the three app lifecycle events. */
export function defaultHandlers(ctx: HandlerContext): Record<string, EventHandler> {
  const handlers: Record<string, EventHandler> = {
    ONAPPINSTALL: ignoredLifecycleHandler,
    ONAPPUPDATE: ignoredLifecycleHandler,
    ONAPPUNINSTALL: ignoredLifecycleHandler,
  }
  for (const [type, kind] of Object.entries(openLineEventKinds)) handlers[type] = openLineHandler(kind, ctx)
  return handlers
}
