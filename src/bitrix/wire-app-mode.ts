import type { Logger } from 'pino'
import type { BridgeConfig } from '../config/types.js'
import { appLifecycleHandlers } from '../receiver/app-lifecycle.js'
import { defaultHandlers, type EventHandlerMap } from '../receiver/event-handlers.js'
import type { Store } from '../store/store.js'
import type { HostGuard } from './host-guard.js'
import { createOfflinePoller, type OfflinePoller } from './offline-events.js'
import type { PortalRegistry } from './portal-registry.js'
import { proveInstall } from './prove-install.js'
import type { BitrixClient } from './types.js'

export interface AppModeDeps {
  config: BridgeConfig
  store: Store
  /** When a new fetch job becomes due (the coalescing window). */
  fetchDueAt?: () => number
  portals: PortalRegistry
  hosts: HostGuard
  bitrix: BitrixClient
  fetch: typeof fetch
  logger: Logger
  receiverLogger: Logger
  now: () => number
  /** Wakes the workers after jobs were stored. */
  onQueued: () => void
}

/**
 * OAuth mode's moving parts (nothing in webhook mode): the app lifecycle handlers the receiver
 * plugs in, and the offline event puller when `bitrix.delivery` is `offline` or `both`.
 */
export function wireAppMode(deps: AppModeDeps): { handlers?: EventHandlerMap; offline?: OfflinePoller } {
  const { config, logger, portals, hosts } = deps
  const app = config.bitrix.app
  if (app === undefined) return {}
  let offline: OfflinePoller | undefined
  if (config.bitrix.delivery !== 'online') {
    // Offline events take the receiver's own path: connector filter, coalescing, durable enqueue.
    const lineHandlers = defaultHandlers({
      store: deps.store,
      ...(deps.fetchDueAt === undefined ? {} : { fetchDueAt: deps.fetchDueAt }),
      logger: deps.receiverLogger,
      connectors: new Set(config.bitrix.connectors),
      onQueued: deps.onQueued,
    })
    offline = createOfflinePoller({
      bitrix: deps.bitrix,
      registry: portals,
      logger: logger.child({ component: 'offline' }),
      now: deps.now,
      ...(deps.store.coordination === undefined ? {} : { tryLock: deps.store.coordination.tryLock }),
      async accept(envelope, portal) {
        const handler = lineHandlers[envelope.type]
        if (handler === undefined || handler.always === true) return 0
        const answer = await handler.handle(handler.parse(envelope), portal, envelope)
        return typeof answer.queued === 'number' ? answer.queued : 0
      },
    })
  }
  const pollOffline = (memberId: string) => {
    offline
      ?.poll(memberId)
      .catch((err: unknown) => logger.warn({ err, member_id: memberId }, 'offline events pull failed'))
  }
  const handlers = appLifecycleHandlers({
    registry: portals,
    hosts,
    app,
    onUninstall: config.bitrix.onUninstall,
    proveInstall: (refreshToken) =>
      proveInstall(
        {
          oauthServer: app.oauthServer,
          clientId: app.clientId,
          clientSecret: app.clientSecret,
          fetch: deps.fetch,
          timeoutMs: config.bitrix.timeoutMs,
          maxReplyBytes: config.pipeline.maxReplyBytes,
        },
        refreshToken,
        deps.now,
      ),
    logger: deps.receiverLogger,
    now: deps.now,
    onInstalled(memberId) {
      // Jobs that waited for this install run now, and what Bitrix24 queued meanwhile is pulled.
      deps.store
        .wakeGroup('fetch', memberId)
        .then(deps.onQueued)
        .catch((err: unknown) => logger.error({ err }, 'could not wake the waiting jobs'))
      pollOffline(memberId)
    },
    onOfflinePing: pollOffline,
  })
  return offline === undefined ? { handlers } : { handlers, offline }
}
