import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import { type ConsoleOptions, registerConsole } from '../console/register-console.js'
import type { CachedCounts } from '../observability/cached-counts.js'
import { registerAdminHealthRoutes } from '../observability/health-routes.js'
import { type Metrics, registerMetricsRoute } from '../observability/metrics.js'
import type { NotReadyOutput } from '../plugins/start-outputs.js'
import type { Store } from '../store/store.js'

export interface AdminServerDeps {
  store: Store
  portals: PortalDirectory
  counts: CachedCounts
  metrics: Metrics
  /** Outputs whose start() has not succeeded yet (listed in /readyz). */
  outputs?: () => NotReadyOutput[]
  logger: FastifyBaseLogger
  /** The status console's settings and hooks (its pages need a login with `token`). */
  console: Omit<ConsoleOptions, 'store' | 'portals' | 'counts'>
}

/**
 * The admin listener (`server.admin`, 127.0.0.1:9464 by default): `/metrics`, `/readyz` with
 * queue sizes and the portals that need a re-install, and the status console. Kept off the public
 * port, which Bitrix24 (and so anyone) can reach: these answers name portals and queue sizes, and
 * the counts behind them cost a query.
 */
export function createAdminServer(deps: AdminServerDeps): FastifyInstance {
  const server = Fastify({
    loggerInstance: deps.logger,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
  })
  registerAdminHealthRoutes(server, {
    store: deps.store,
    portals: deps.portals,
    counts: deps.counts,
    ...(deps.outputs === undefined ? {} : { outputs: deps.outputs }),
  })
  registerMetricsRoute(server, deps.metrics)
  registerConsole(server, { ...deps.console, store: deps.store, portals: deps.portals, counts: deps.counts })
  return server
}
