import { buildApp } from '../app.js'
import { createLogger } from '../observability/logger.js'
import { prettyDestination } from '../observability/pretty-destination.js'
import { loadCliConfig } from './load.js'

/** `openline-bridge start`: serve until SIGINT/SIGTERM, then drain and exit. */
export async function startCommand(options: { config?: string }): Promise<void> {
  const { config, path, usedExample } = await loadCliConfig(options.config)
  const logger = createLogger({
    level: config.log.level,
    ...(config.log.pretty ? { destination: prettyDestination() } : {}),
  })
  if (usedExample) {
    logger.warn(
      { config: path },
      'config/bridge.yaml not found: running with the example config (console output only); copy config/bridge.example.yaml to config/bridge.yaml and set your portal and outputs',
    )
  }
  const app = await buildApp(config, { logger })
  await app.start()
  await app.server.listen({ host: config.server.host, port: config.server.port })
  // fastify answers with one of the addresses it bound (127.0.0.1 for 0.0.0.0): name the real bind.
  const { port } = app.server.server.address() as { port: number }
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host
  const address = `http://${host}:${port}`
  const admin = await app.admin.listen({ host: config.server.admin.host, port: config.server.admin.port })
  logger.info(
    { config: path, address, admin, path: config.server.path, outputs: [...app.outputs.keys()] },
    `openline-bridge listening on ${address}${config.server.path}; admin (metrics, readyz, console) on ${admin}`,
  )
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: finishing deliveries in flight')
    await app.close()
    logger.info({ signal }, 'stopped')
    logger.flush?.()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
}
