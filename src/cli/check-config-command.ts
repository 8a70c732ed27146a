import { loadCliConfig } from './load.js'

/** `openline-bridge check-config`: validate the file and summarise it (no network calls yet). */
export async function checkConfigCommand(
  options: { config?: string },
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<void> {
  const { config, path } = await loadCliConfig(options.config)
  const app = config.bitrix.app
  const lines = [
    `config ${path}: OK`,
    `  mode: ${app === undefined ? 'incoming webhook (portals configured by hand)' : `OAuth app ${app.clientId} (installs ${app.allowInstall ? 'accepted' : 'refused'}), events ${config.bitrix.delivery}`}`,
    `  portals: ${config.bitrix.portals.map((p) => p.domain).join(', ') || '(none)'}`,
    `  outputs: ${Object.entries(config.outputs)
      .map(([id, o]) => `${id} (${o.type}${o.optional ? ', optional' : ''})`)
      .join(', ')}`,
    `  routes: ${config.routes.length}`,
    `  storage: ${config.storage.driver} ${config.storage.path}`,
    `  listening on ${config.server.host}:${config.server.port}${config.server.path}`,
  ]
  stdout.write(`${lines.join('\n')}\n`)
  if (config.storage.encryptionKey === undefined) {
    stderr.write(
      `warning: storage.encryptionKey is not set: OAuth tokens stored at install and user tokens queued with events are kept in plain text in ${config.storage.path}; set it to a 32-byte key (openssl rand -base64 32)\n`,
    )
  }
}
