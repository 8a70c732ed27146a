import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { createAdminServer } from './admin/create-admin-server.js'
import { createBitrixClient } from './bitrix/create-client.js'
import { createHostGuard } from './bitrix/host-guard.js'
import { createOAuthTokens } from './bitrix/oauth-tokens.js'
import type { OfflinePoller } from './bitrix/offline-events.js'
import { loadPortalRegistry, type PortalRegistry } from './bitrix/portal-registry.js'
import type { BitrixClient } from './bitrix/types.js'
import { wireAppMode } from './bitrix/wire-app-mode.js'
import type { BridgeConfig } from './config/types.js'
import { withConnectTimeout } from './http/connect-timeout.js'
import { createCachedCounts } from './observability/cached-counts.js'
import { createEventMinutes } from './observability/event-minutes.js'
import { registerPublicHealthRoutes } from './observability/health-routes.js'
import { createHistoryTrim } from './observability/history-trim.js'
import { silentLogger } from './observability/logger.js'
import { createMetrics, type Metrics, withDeliveryMetrics } from './observability/metrics.js'
import { createRateLimitedLog } from './observability/rate-limited-log.js'
import { coalescePayloads } from './pipeline/coalesce.js'
import { createPipeline, type Pipeline } from './pipeline/create-pipeline.js'
import type { OutputPlugin } from './plugins/api.js'
import { createOutputs, type OutputReadiness, startOutputs } from './plugins/registry.js'
import { connectionLimiter } from './receiver/limit-connections.js'
import { registerNotFound } from './receiver/not-found.js'
import { createPendingCap } from './receiver/pending-cap.js'
import { registerReceiver } from './receiver/receiver-plugin.js'
import { openStore } from './store/index.js'
import { createSecretBox } from './store/secret-box.js'
import type { Store } from './store/store.js'

export interface AppDeps {
  logger?: Logger
  /** HTTP client for Bitrix24 and outputs (tests inject one). */
  fetch?: typeof fetch
  now?: () => number
  /** Directory relative plugin paths and the storage path resolve against. */
  cwd?: string
  /** Replace parts (tests): a store, a Bitrix client, ready-made outputs. */
  store?: Store
  bitrix?: BitrixClient
  outputs?: ReadonlyMap<string, OutputPlugin>
}

export interface App {
  /** The public listener: the event paths, `/healthz` and a status-only `/readyz`. */
  server: FastifyInstance
  /** The admin listener (`server.admin`): `/metrics`, `/readyz` details, the status console. */
  admin: FastifyInstance
  store: Store
  pipeline: Pipeline
  /** Hand-configured and installed portals (in memory, kept in step with the store). */
  portals: PortalRegistry
  /** The offline event puller (OAuth mode with bitrix.delivery offline or both). */
  offline?: OfflinePoller
  outputs: ReadonlyMap<string, OutputPlugin>
  /** The Prometheus registry and counters behind `/metrics`. */
  metrics: Metrics
  /** Verify outputs (`start()`), then start the workers. Does not listen. */
  start(): Promise<void>
  /** Stop taking work, finish what is in flight, close outputs and the store. */
  close(): Promise<void>
}

/** Wire the bridge from a validated config. Never listens by itself (the CLI or a test does). */
export async function buildApp(config: BridgeConfig, deps: AppDeps = {}): Promise<App> {
  const logger = deps.logger ?? silentLogger()
  const fetchImpl = deps.fetch ?? globalThis.fetch
  const now = deps.now ?? Date.now
  const cwd = deps.cwd ?? process.cwd()
  // Another instance's new jobs (Postgres LISTEN/NOTIFY) wake this one's workers at once.
  let wakeWorkers = () => {}
  let portalChanged = (_memberId: string) => {}
  const store =
    deps.store ??
    openStore(config.storage, {
      coalesce: coalescePayloads,
      logger,
      cwd,
      onJobs: () => wakeWorkers(),
      onPortal: (memberId) => portalChanged(memberId),
    })
  const portals = await loadPortalRegistry(config.bitrix.portals, store, now)
  // Another instance installed, refreshed or removed a portal: re-read it so this one agrees.
  portalChanged = (memberId) => {
    portals
      .reload(memberId)
      .catch((err: unknown) =>
        logger.warn({ err, member_id: memberId }, 'could not re-read a changed portal'),
      )
  }
  const shared = store.coordination
  const hosts = createHostGuard(config.bitrix.allowedHosts)
  // User tokens ride in job payloads: sealed like the stored tokens when a key is set.
  const box = createSecretBox(config.storage.encryptionKey)
  const app = config.bitrix.app
  // Portals and the OAuth server: a host that drops SYNs fails after connectTimeoutMs, while an
  // established connection still waits the request's own timeout (a batch: 60 s).
  const bitrixHttp = withConnectTimeout(fetchImpl, config.bitrix.connectTimeoutMs)
  const tokens =
    app === undefined
      ? undefined
      : createOAuthTokens({
          registry: portals,
          app,
          fetch: bitrixHttp.fetch,
          timeoutMs: config.bitrix.timeoutMs,
          maxReplyBytes: config.pipeline.maxReplyBytes,
          logger: logger.child({ component: 'oauth' }),
          now,
          ...(shared === undefined ? {} : { lock: shared.withLock }),
        })
  const bitrix =
    deps.bitrix ??
    createBitrixClient({
      rateLimit: config.bitrix.rateLimit,
      // Shared store: one bucket per portal for all instances together.
      ...(shared === undefined
        ? {}
        : { rateBucket: (portalId: string) => shared.rateBucket(portalId, config.bitrix.rateLimit) }),
      batchSize: config.pipeline.batchSize,
      files: config.bitrix.files,
      timeoutMs: config.bitrix.timeoutMs,
      batchTimeoutMs: config.bitrix.batchTimeoutMs,
      retries: config.bitrix.retries,
      maxReplyBytes: config.pipeline.maxReplyBytes,
      fetch: bitrixHttp.fetch,
      logger: logger.child({ component: 'bitrix' }),
      hosts,
      onPortalMoved(portal, newDomain, newBase) {
        // Only a new domain that passed the guard is stored (the redirect was refused otherwise).
        if (portal.installed !== true || !hosts.allowsFor(newBase, portal.domain)) return
        portals
          .update(portal.id, (c) => ({ ...c, domain: newDomain, clientEndpoint: newBase }))
          .catch((err: unknown) =>
            logger.error({ err, portal: portal.domain }, 'could not store the new domain'),
          )
      },
      ...(tokens === undefined
        ? {}
        : { oauth: { tokens, hosts, openUserToken: (t: string) => box.open(t, 'user_token') } }),
    })
  const outputs =
    deps.outputs ??
    (await createOutputs(config.outputs, {
      cwd,
      logger,
      fetch: fetchImpl,
      policy: config.policy,
      maxReplyBytes: config.pipeline.maxReplyBytes,
      state: (output) => ({
        get: (key) => store.getOutputState(output, key),
        set: (key, value) => store.setOutputState(output, key, value),
      }),
    }))
  // Set by start(): outputs whose start() failed for now wait, and /readyz names them.
  let readiness: OutputReadiness | undefined
  const counts = createCachedCounts({ store, now })
  const metrics = createMetrics({
    counts,
    portals,
    ...(bitrix.operatingState === undefined ? {} : { operating: () => bitrix.operatingState?.() ?? [] }),
  })
  const pipeline = createPipeline({
    store: withDeliveryMetrics(store, metrics),
    bitrix,
    portals,
    outputs,
    routes: config.routes,
    pipeline: config.pipeline,
    policy: config.policy,
    logger,
    now,
    waitingOutputs: () => readiness?.waiting() ?? [],
  })

  wakeWorkers = () => pipeline.wake()

  // Per-request info lines would drown the log at the rates Bitrix24 bursts at: warnings and up only.
  const httpLogger: FastifyBaseLogger = logger.child(
    { component: 'http' },
    { level: logger.levelVal > 40 ? logger.level : 'warn' },
  )
  // Slow or idle clients must not hold sockets (slowloris): headers and the whole request have
  // deadlines, checked every second at most, not every 30 s as Node does by default.
  const requestTimeout = config.server.requestTimeoutMs
  const headersTimeout = Math.min(config.server.headersTimeoutMs, requestTimeout)
  const server: FastifyInstance = Fastify({
    loggerInstance: httpLogger,
    bodyLimit: config.server.bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    connectionTimeout: 30_000,
    requestTimeout,
    keepAliveTimeout: 5_000,
    http: {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    ...(config.server.trustProxy.length > 0 ? { trustProxy: [...config.server.trustProxy] } : {}),
  })
  const connectionLog = createRateLimitedLog(logger.child({ component: 'http' }), { intervalMs: 60_000, now })
  server.server.on(
    'connection',
    connectionLimiter({
      maxPerIp: config.server.maxConnectionsPerIp,
      trusted: config.server.trustProxy,
      onRefused: (address, open) =>
        connectionLog.note(
          address,
          { address, open, limit: config.server.maxConnectionsPerIp },
          'connection refused: this address already has server.maxConnectionsPerIp connections open',
        ),
    }),
  )
  // New fetch jobs wait `coalesceWindowMs`, so a burst of edits of one message merges into one read.
  const window = config.pipeline.coalesceWindowMs
  const fetchDueAt = window > 0 ? () => now() + window : undefined
  const onQueued = () => pipeline.wake()
  const sealUserToken = box.encrypting ? (t: string) => box.seal(t, 'user_token') : undefined
  const receiverLogger = logger.child({ component: 'receiver' })
  // One portal cannot queue more than its share: refusals are counted, and logged once a minute.
  const pendingCap = createPendingCap({
    count: (portal) => store.countPending('fetch', portal),
    limit: config.pipeline.maxPendingPerPortal,
    now,
  })
  const capLog = createRateLimitedLog(receiverLogger, { intervalMs: 60_000, now })
  const onQueueFull = (portal: { id: string; domain: string }, pending: number, limit: number) => {
    metrics.countQueueFull(portal.id)
    capLog.note(
      portal.id,
      { portal: portal.domain, memberId: portal.id, pending, limit },
      'portal over its queue cap (pipeline.maxPendingPerPortal): its events are refused with 503 until its backlog drains',
    )
  }
  const { handlers, offline } = wireAppMode({
    config,
    store,
    ...(fetchDueAt === undefined ? {} : { fetchDueAt }),
    portals,
    hosts,
    bitrix,
    fetch: bitrixHttp.fetch,
    logger,
    receiverLogger,
    now,
    onQueued,
  })
  registerReceiver(server, {
    store,
    ...(fetchDueAt === undefined ? {} : { fetchDueAt }),
    portals,
    logger: receiverLogger,
    config: {
      ...config.server,
      connectors: config.bitrix.connectors,
      events: config.bitrix.events,
      ...(app === undefined ? {} : { installPath: config.server.installPath }),
    },
    onQueued,
    hosts,
    pendingCap,
    onQueueFull,
    onRejected: (code) => metrics.countRejected(code),
    ...(handlers === undefined ? {} : { handlers }),
    ...(sealUserToken === undefined ? {} : { sealUserToken }),
  })
  registerPublicHealthRoutes(server, { store })
  const eventMinutes = createEventMinutes({ store, now, logger })
  const historyTrim = createHistoryTrim({ store, days: config.storage.historyDays ?? 30, now, logger })
  const admin = createAdminServer({
    store,
    portals,
    counts,
    metrics,
    outputs: () => readiness?.notReady() ?? [],
    logger: logger.child({ component: 'admin' }, { level: logger.levelVal > 40 ? logger.level : 'warn' }),
    console: {
      token: config.server.admin.token,
      outputs: new Map([...outputs.keys()].map((id) => [id, config.outputs[id]?.type ?? '?'])),
      flushEvents: () => eventMinutes.flush(),
      wake: () => pipeline.wake(),
      now,
      notReadyOutputs: () => readiness?.notReady() ?? [],
    },
  })
  registerNotFound(server, config.server.path)
  const eventPaths = new Set([config.server.path, config.server.installPath])
  server.addHook('onResponse', (request, reply, done) => {
    if (eventPaths.has(request.routeOptions.url ?? '')) {
      metrics.countEvent(reply.statusCode)
      if (reply.statusCode === 200) eventMinutes.count()
    }
    done()
  })

  let closed = false
  return {
    server,
    admin,
    store,
    pipeline,
    portals,
    ...(offline === undefined ? {} : { offline }),
    outputs,
    metrics,
    async start() {
      readiness = await startOutputs(outputs, config.outputs, logger, {
        backoff: config.pipeline,
        onReady: () => pipeline.wake(),
        now,
      })
      pipeline.start()
      eventMinutes.start(10_000)
      historyTrim.start(3_600_000)
      // Pulls at once (catch-up after downtime), then every offlinePollSeconds.
      offline?.start(config.bitrix.offlinePollSeconds * 1000)
    },
    async close() {
      if (closed) return
      closed = true
      readiness?.stop()
      await server.close()
      capLog.flush()
      connectionLog.flush()
      await admin.close()
      await offline?.stop()
      await pipeline.stop()
      await eventMinutes.stop()
      await historyTrim.stop()
      await Promise.allSettled([...outputs.values()].map((o) => o.stop?.()))
      await bitrixHttp.close()
      await store.close()
    },
  }
}
