import { loadCliConfig } from './load.js'

/** `openline-bridge check-config`: validate the file and summarise it (no network calls yet). */
export async function checkConfigCommand(
  options: { config?: string },
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const { config, path } = await loadCliConfig(options.config)
  const lines = [
    `config ${path}: OK`,
    `  portals: ${config.bitrix.portals.map((p) => p.domain).join(', ') || '(none)'}`,
    `  outputs: ${Object.entries(config.outputs)
      .map(([id, o]) => `${id} (${o.type}${o.optional ? ', optional' : ''})`)
      .join(', ')}`,
    `  routes: ${config.routes.length}`,
    `  storage: ${config.storage.driver} ${config.storage.path}`,
    `  listening on ${config.server.host}:${config.server.port}${config.server.path}`,
  ]
  stdout.write(`${lines.join('\n')}\n`)
}
