import type { FastifyInstance } from 'fastify'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { NotReadyOutput } from '../plugins/start-outputs.js'
import type { Store } from '../store/store.js'
import type { CachedCounts } from './cached-counts.js'

/**
 * The public listener's health routes, for load balancers: `/healthz` (the process answers) and
 * `/readyz` (the store takes writes, so events can be acknowledged). Neither says anything about
 * portals or queues: that is on the admin listener (`registerAdminHealthRoutes`).
 */
export function registerPublicHealthRoutes(server: FastifyInstance, deps: { store: Store }): void {
  server.get('/healthz', async () => ({ ok: true }))
  server.get('/readyz', async (_request, reply) => {
    const storeOk = await deps.store.ping().catch(() => false)
    reply.code(storeOk ? 200 : 503)
    return { ok: storeOk, store: storeOk ? 'ok' : 'unavailable' }
  })
}

export interface AdminHealthDeps {
  store: Store
  /** Queue sizes, cached (at most one count per second). */
  counts: CachedCounts
  /** Portals served; the ones that need the app re-installed are listed in /readyz. */
  portals?: PortalDirectory
  /** Outputs whose start() has not succeeded yet (their deliveries wait). */
  outputs?: () => NotReadyOutput[]
}

/**
 * The admin listener's `/readyz`: the same status, plus queue sizes and the portals that need a
 * re-install. Such a portal does not make the bridge unready (the others still work, and its events
 * are still stored): it is listed under `portals.needsReinstall` with what to do.
 */
export function registerAdminHealthRoutes(server: FastifyInstance, deps: AdminHealthDeps): void {
  server.get('/healthz', async () => ({ ok: true }))
  server.get('/readyz', async (_request, reply) => {
    const storeOk = await deps.store.ping().catch(() => false)
    const counts = await deps.counts.get()
    reply.code(storeOk ? 200 : 503)
    const body: Record<string, unknown> = {
      ok: storeOk,
      store: storeOk ? 'ok' : 'unavailable',
      queues: { fetch: counts.fetch, deliver: counts.deliver },
    }
    if (deps.portals !== undefined) {
      const all = deps.portals.list()
      const waiting = all.filter((p) => p.status === 'needs-reinstall')
      body.portals = {
        total: all.length,
        needsReinstall: waiting.map((p) => ({
          portal: p.domain,
          memberId: p.id,
          action:
            'reinstall the application on this portal; its messages wait and are mirrored after the install',
        })),
      }
    }
    // An output that is still starting does not make the bridge unready either: events are still
    // stored, and its deliveries go out once it answers.
    if (deps.outputs !== undefined) body.outputs = { notReady: deps.outputs() }
    return body
  })
}
