import { type Binding, bindEvents, neededBindings, unbindEvents } from '../bitrix/bind-events.js'
import { basicModeWarning, checkOfflineMode } from '../bitrix/offline-mode.js'
import { BridgeError, ErrorCodes } from '../errors.js'
import { loadCliConfig } from './load.js'
import { type ContextDeps, findPortal, openPortalContext } from './portal-context.js'

export interface BindOptions {
  config?: string
  portal: string
  url: string
  /** Remove the bridge's subscriptions instead. */
  unbind?: boolean
}

export interface CliIo extends ContextDeps {
  stdout?: NodeJS.WritableStream
  env?: Record<string, string | undefined>
}

function describe(binding: Binding, url: string): string {
  return binding.offline ? `${binding.event} (offline queue)` : `${binding.event} → ${url}`
}

function checkUrl(url: string): void {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new BridgeError(
      ErrorCodes.CONFIG_INVALID,
      `--url must be the bridge's public handler URL, e.g. https://bridge.example.com/bitrix/events (got ${url})`,
      { kind: 'config' },
    )
  }
}

/**
 * `openline-bridge bind --portal <domain|member_id> --url <handler URL>` (and `unbind`): subscribes
 * the installed app to the events the config needs, skipping what is already bound.
 */
export async function bindCommand(options: BindOptions, io: CliIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout
  const { config } = await loadCliConfig(options.config, io.env, io.cwd)
  if (config.bitrix.app === undefined) {
    throw new BridgeError(
      ErrorCodes.BIND_NEEDS_APP,
      'events reach Bitrix24 applications only: an incoming webhook cannot call event.bind. Create a local application ("uses only API", scopes imopenlines, im), set bitrix.app.clientId and clientSecret, install the app on the portal (the bridge stores its tokens), then run bind again',
      { kind: 'config' },
    )
  }
  checkUrl(options.url)
  const context = await openPortalContext(config, io)
  try {
    const portal = findPortal(context.registry, options.portal)
    if (portal.installed !== true) {
      throw new BridgeError(
        ErrorCodes.BIND_NEEDS_APP,
        `portal ${portal.domain} is configured by hand (bitrix.portals), not installed: install the application on it so the bridge gets OAuth tokens, then run bind again`,
        { kind: 'config' },
      )
    }
    const needed = neededBindings(config.bitrix)
    const run = options.unbind === true ? unbindEvents : bindEvents
    const report = await run(context.client, portal, options.url, needed)
    const [did, left] = options.unbind === true ? ['unbound', 'not bound'] : ['bound', 'already bound']
    const lines = [`portal ${portal.domain} (${portal.id}):`]
    for (const b of report.changed) lines.push(`  ${did} ${describe(b, options.url)}`)
    for (const b of report.unchanged) lines.push(`  ${left} ${describe(b, options.url)}`)
    lines.push(`${report.changed.length} ${did}, ${report.unchanged.length} ${left}`)
    if (options.unbind !== true && !new URL(options.url).pathname.endsWith(config.server.path)) {
      lines.push(
        `note: the bridge receives events on ${config.server.path}; check that ${options.url} reaches it`,
      )
    }
    if (options.unbind !== true && config.bitrix.delivery !== 'online') {
      const { mode, why } = await checkOfflineMode(context.client, portal)
      if (mode === 'basic') lines.push(`warning: ${basicModeWarning(portal.domain, why)}`)
    }
    stdout.write(`${lines.join('\n')}\n`)
  } finally {
    await context.close()
  }
}
