import type { FastifyInstance } from 'fastify'
import type { Store } from '../store/store.js'

/** `/healthz`: the process answers. `/readyz`: the store takes writes, so events can be acknowledged. */
export function registerHealthRoutes(server: FastifyInstance, deps: { store: Store }): void {
  server.get('/healthz', async () => ({ ok: true }))
  server.get('/readyz', async (_request, reply) => {
    const storeOk = await deps.store.ping().catch(() => false)
    const [fetchStats, deliverStats] = await Promise.all([
      deps.store.stats('fetch').catch(() => undefined),
      deps.store.stats('deliver').catch(() => undefined),
    ])
    reply.code(storeOk ? 200 : 503)
    return {
      ok: storeOk,
      store: storeOk ? 'ok' : 'unavailable',
      queues: { fetch: fetchStats, deliver: deliverStats },
    }
  })
}
