import Fastify from 'fastify'
import qs from 'qs'

export interface BareServer {
  url: string
  close(): Promise<void>
}

/**
 * The ingest baseline: fastify with the bridge's server options, reading the same form bodies as
 * strings and answering 200 — no parsing (or, with `parse`, only a qs parse, which shows what the
 * parse alone costs), no token check, no write.
 */
export async function startBareFastify(options: { parse?: boolean } = {}): Promise<BareServer> {
  const app = Fastify({
    logger: false,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
  })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 262_144 },
    (_request, body: string, done) => done(null, options.parse ? qs.parse(body, { depth: 8 }) : body),
  )
  app.post('/bitrix/events', async () => ({ ok: true, queued: 1 }))
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `${address}/bitrix/events`, close: () => app.close() }
}
