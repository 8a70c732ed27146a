import type { FastifyInstance } from 'fastify'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { NotReadyOutput } from '../plugins/start-outputs.js'
import type { Store } from '../store/store.js'

export interface HealthDeps {
  store: Store
  /** Portals served; the ones that need the app re-installed are listed in /readyz. */
  portals?: PortalDirectory
  /** Outputs whose start() has not succeeded yet (their deliveries wait). */
  outputs?: () => NotReadyOutput[]
}

/**
 * `/healthz`: the process answers. `/readyz`: the store takes writes, so events can be acknowledged.
 * A portal that needs a re-install does not make the bridge unready (the others still work, and
 * its events are still stored): it is listed under `portals.needsReinstall` with what to do.
 */
export function registerHealthRoutes(server: FastifyInstance, deps: HealthDeps): void {
  server.get('/healthz', async () => ({ ok: true }))
  server.get('/readyz', async (_request, reply) => {
    const storeOk = await deps.store.ping().catch(() => false)
    const [fetchStats, deliverStats] = await Promise.all([
      deps.store.stats('fetch').catch(() => undefined),
      deps.store.stats('deliver').catch(() => undefined),
    ])
    reply.code(storeOk ? 200 : 503)
    const body: Record<string, unknown> = {
      ok: storeOk,
      store: storeOk ? 'ok' : 'unavailable',
      queues: { fetch: fetchStats, deliver: deliverStats },
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
