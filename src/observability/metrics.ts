import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { MethodLimitState } from '../bitrix/operating-limits.js'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { DeliveryLogEntry, QueueName, Store } from '../store/store.js'
import type { CachedCounts } from './cached-counts.js'

export interface Metrics {
  registry: Registry
  /** Count one answer to a Bitrix24 delivery, by HTTP status. */
  countEvent(status: number): void
  /** Count one delivery-log entry (deliveries, skips, failures, dead letters). */
  countDelivery(entry: DeliveryLogEntry): void
  /** Count one event refused because its portal is at `pipeline.maxPendingPerPortal`. */
  countQueueFull(portal: string): void
  /** Count one event rejected before it was stored (bad token, unknown portal…), by error code. */
  countRejected(code: string): void
}

const queues: QueueName[] = ['fetch', 'deliver']

/**
 * Prometheus metrics (`/metrics`): answers to Bitrix24, deliveries per output and outcome, queue
 * sizes (cached: at most one count per second) and portals needing a re-install, both read when
 * scraped, plus Node's process metrics.
 */
export interface MetricsDeps {
  /** Queue sizes, cached (at most one count per second). */
  counts: CachedCounts
  portals: PortalDirectory
  /** Per portal and method: Bitrix24's operating time and the bridge's pauses (OPERATION_TIME_LIMIT…). */
  operating?: () => Array<MethodLimitState & { portal: string }>
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'openline_bridge_' })
  const events = new Counter({
    name: 'openline_bridge_events_total',
    help: 'Bitrix24 event deliveries answered, by HTTP status (200 = stored or ignored, 4xx = refused, 503 = could not store)',
    labelNames: ['status'] as const,
    registers: [registry],
  })
  const deliveries = new Counter({
    name: 'openline_bridge_deliveries_total',
    help: 'Delivery log entries by output (`-` = the Bitrix24 read stage) and status',
    labelNames: ['output', 'status'] as const,
    registers: [registry],
  })
  const queueFull = new Counter({
    name: 'openline_bridge_portal_queue_full_total',
    help: 'Events refused with 503 because their portal had pipeline.maxPendingPerPortal events waiting, by portal',
    labelNames: ['portal'] as const,
    registers: [registry],
  })
  const rejected = new Counter({
    name: 'openline_bridge_events_rejected_total',
    help: 'Events rejected before anything was stored (unknown portal, missing or wrong token, foreign endpoint), by error code',
    labelNames: ['code'] as const,
    registers: [registry],
  })
  new Gauge({
    name: 'openline_bridge_jobs',
    help: 'Jobs by queue and state (pending, leased = in progress, dead = dead letters)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const counts = await deps.counts.get()
      for (const queue of queues) {
        const stats = counts[queue]
        if (!stats) continue
        this.set({ queue, state: 'pending' }, stats.pending)
        this.set({ queue, state: 'leased' }, stats.leased)
        this.set({ queue, state: 'dead' }, stats.dead)
      }
    },
  })
  new Gauge({
    name: 'openline_bridge_portals',
    help: 'Portals served, by status (active, needs-reinstall)',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      const counts = new Map<string, number>([
        ['active', 0],
        ['needs-reinstall', 0],
      ])
      for (const p of deps.portals.list()) {
        const status = p.status ?? 'active'
        counts.set(status, (counts.get(status) ?? 0) + 1)
      }
      for (const [status, n] of counts) this.set({ status }, n)
    },
  })
  if (deps.operating !== undefined) {
    const operating = deps.operating
    new Gauge({
      name: 'openline_bridge_bitrix_operating_seconds',
      help: "Seconds of server time a Bitrix24 method used in the last 10 minutes (the reply's time.operating; the cloud blocks a method at about 480)",
      labelNames: ['portal', 'method'] as const,
      registers: [registry],
      collect() {
        this.reset()
        for (const s of operating()) this.set({ portal: s.portal, method: s.method }, s.operating)
      },
    })
    new Gauge({
      name: 'openline_bridge_bitrix_paused_seconds',
      help: 'Seconds until the bridge calls a paused Bitrix24 method again (OPERATION_TIME_LIMIT, METHOD_CONFIRM_WAITING; method * = OVERLOAD_LIMIT, the whole portal); 0 = not paused',
      labelNames: ['portal', 'method', 'reason'] as const,
      registers: [registry],
      collect() {
        this.reset()
        const now = Date.now()
        for (const s of operating()) {
          if (s.pausedUntil === 0) continue
          this.set(
            { portal: s.portal, method: s.method, reason: s.reason ?? '' },
            (s.pausedUntil - now) / 1000,
          )
        }
      },
    })
  }
  return {
    registry,
    countEvent: (status) => events.inc({ status: String(status) }),
    countDelivery: (entry) => deliveries.inc({ output: entry.output, status: entry.status }),
    countQueueFull: (portal) => queueFull.inc({ portal }),
    countRejected: (code) => rejected.inc({ code }),
  }
}

export function registerMetricsRoute(server: FastifyInstance, metrics: Metrics): void {
  server.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}

/** The store as the pipeline sees it, counting every delivery-log entry it writes. */
export function withDeliveryMetrics(store: Store, metrics: Metrics): Store {
  return Object.assign(Object.create(store) as Store, {
    log: (entry: DeliveryLogEntry) => store.log(entry).then(() => metrics.countDelivery(entry)),
    complete: (...args: Parameters<Store['complete']>) =>
      store.complete(...args).then(() => {
        const entry = args[1]?.log
        if (entry) metrics.countDelivery(entry)
      }),
  })
}
