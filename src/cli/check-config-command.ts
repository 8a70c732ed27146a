import { loadCliConfig } from './load.js'
import { probeOutputs } from './probe-outputs.js'

/**
 * `openline-bridge check-config`: validate the file, summarise it, then (unless `--offline`) run
 * each output's credential check and report it per output. Exit code 1 when a required output fails.
 */
export async function checkConfigCommand(
  options: { config?: string; offline?: boolean },
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<void> {
  const { config, path, usedExample } = await loadCliConfig(options.config)
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
  if (usedExample) {
    stderr.write(
      'warning: config/bridge.yaml not found, so this checked config/bridge.example.yaml: copy it to config/bridge.yaml and set your portal and outputs, or pass --config\n',
    )
  }
  if (config.bitrix.portals.length === 0 && app === undefined) {
    stderr.write(
      'warning: no portal is configured and bitrix.app is not set, so every event will be refused (401): add your portal under bitrix.portals (webhook mode) or set bitrix.app to accept app installs (OAuth mode)\n',
    )
  }
  if (config.storage.encryptionKey === undefined) {
    stderr.write(
      `warning: storage.encryptionKey is not set: OAuth tokens stored at install and user tokens queued with events are kept in plain text in ${config.storage.path}; set it to a 32-byte key (openssl rand -base64 32)\n`,
    )
  }
  if (options.offline) return
  stdout.write("live checks (each output's start()):\n")
  const results = await probeOutputs(config, { cwd: process.cwd() })
  for (const r of results) {
    const mark = r.ok ? 'ok  ' : r.optional ? 'warn' : 'FAIL'
    stdout.write(
      `  ${mark} ${r.output} (${r.type}): ${r.detail}${!r.ok && r.optional ? ' (optional: the bridge starts without it)' : ''}\n`,
    )
  }
  const failed = results.filter((r) => !r.ok && !r.optional)
  if (failed.length > 0) {
    stderr.write(
      `check-config: ${failed.length} required output(s) failed their live check: ${failed.map((r) => r.output).join(', ')}\n`,
    )
    process.exitCode = 1
  }
}
