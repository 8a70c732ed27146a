import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { HostGuard } from '../bitrix/host-guard.js'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { PortalRecord } from '../bitrix/types.js'
import type { ErrorCode } from '../errors.js'
import type { Store } from '../store/store.js'
import { registerBodyParsers } from './body-parsers.js'
import { createEventReceiver } from './create-event-receiver.js'
import { createErrorHandler } from './error-answer.js'
import type { EventHandlerMap } from './event-handlers.js'
import type { PendingCap } from './pending-cap.js'

export interface ReceiverConfig {
  /** Route the events are posted to, e.g. `/bitrix/events`. */
  path: string
  bodyLimit: number
  parameterLimit: number
  depth: number
  /** Connectors to route; empty = all. */
  connectors: readonly string[]
  /** Open-line event types to handle. */
  events: readonly string[]
  /** A second path the same receiver answers on: a local app's install callback (OAuth mode). */
  installPath?: string
}

export interface ReceiverDeps {
  store: Store
  portals: PortalDirectory
  /** Used as is: pass a child logger (`{component: 'receiver'}`). */
  logger: Logger
  config: ReceiverConfig
  /** Extra or replacement handlers by event type (OAuth mode plugs its lifecycle handlers in here). */
  handlers?: EventHandlerMap
  /** Called after jobs were durably stored (wake the workers); must be cheap and not throw. */
  onQueued?: (count: number) => void
  /** SSRF guard for `auth.client_endpoint` (see createEventReceiver). */
  hosts?: HostGuard
  /** Seals user tokens before they are stored in jobs. */
  sealUserToken?: (token: string) => string
  /** When a new fetch job becomes due (the coalescing window); default at once. */
  fetchDueAt?: () => number
  /** Per-portal cap on queued jobs (`pipeline.maxPendingPerPortal`). */
  pendingCap?: PendingCap
  /** A portal was refused for its cap. */
  onQueueFull?: (portal: PortalRecord, pending: number, limit: number) => void
  /** Every event rejected before anything was stored, by error code (a metric). */
  onRejected?: (code: ErrorCode) => void
}

/**
 * The Bitrix24 event endpoint as an encapsulated fastify plugin (no fastify-plugin wrapper, so its
 * body parsers and error handler stay inside it). Answers 200 only after the fetch jobs are stored.
 */
export function receiverPlugin(deps: ReceiverDeps): FastifyPluginAsync {
  return async (app) => {
    const { config } = deps
    registerBodyParsers(app, config)
    app.setErrorHandler(createErrorHandler(deps.logger, config.bodyLimit))
    const receive = createEventReceiver({
      store: deps.store,
      portals: deps.portals,
      logger: deps.logger,
      connectors: config.connectors,
      events: config.events,
      ...(deps.handlers === undefined ? {} : { handlers: deps.handlers }),
      ...(deps.onQueued === undefined ? {} : { onQueued: deps.onQueued }),
      ...(deps.hosts === undefined ? {} : { hosts: deps.hosts }),
      ...(deps.sealUserToken === undefined ? {} : { sealUserToken: deps.sealUserToken }),
      ...(deps.fetchDueAt === undefined ? {} : { fetchDueAt: deps.fetchDueAt }),
      ...(deps.pendingCap === undefined ? {} : { pendingCap: deps.pendingCap }),
      ...(deps.onQueueFull === undefined ? {} : { onQueueFull: deps.onQueueFull }),
      ...(deps.onRejected === undefined ? {} : { onRejected: deps.onRejected }),
    })
    app.post(config.path, { bodyLimit: config.bodyLimit }, (request) => receive(request.body))
    if (config.installPath !== undefined && config.installPath !== config.path) {
      app.post(config.installPath, { bodyLimit: config.bodyLimit }, (request) => receive(request.body))
    }
  }
}

/** Same as `app.register(receiverPlugin(deps))`; the route exists once the app is ready. */
export function registerReceiver(app: FastifyInstance, deps: ReceiverDeps): void {
  app.register(receiverPlugin(deps))
}
