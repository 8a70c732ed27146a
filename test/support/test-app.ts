import { type App, type AppDeps, buildApp } from '../../src/app.js'
import type { BridgeConfig } from '../../src/config/types.js'
import { validateConfig } from '../../src/config/validate-config.js'
import { resolvePlugin } from '../../src/plugins/registry.js'

/** What both bridge harnesses take: config sections (validated like a config file) and run control. */
export interface TestBridgeOptions {
  /** Raw `outputs` section. */
  outputs: Record<string, unknown>
  routes?: unknown[]
  pipeline?: Record<string, unknown>
  bitrix?: Record<string, unknown>
  /** Reuse a database file (restart tests). */
  dbPath?: string
  /** Start the workers' poll loops (default false: tests call drain()). */
  startWorkers?: boolean
}

/** Pipeline settings that make tests quick: short polls and backoffs, no coalescing wait. */
export function fastPipeline(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pollIntervalMs: 20,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
    leaseSeconds: 5,
    coalesceWindowMs: 0,
    ...overrides,
  }
}

/**
 * Validate a config document exactly as the CLI does (real plugin schemas), build the app, start
 * its workers when asked, and listen on an ephemeral loopback port.
 */
export async function startTestApp(
  doc: Record<string, unknown>,
  deps: AppDeps,
  startWorkers: boolean,
): Promise<{ app: App; config: BridgeConfig; address: string; url: string; adminUrl: string }> {
  const config = await validateConfig(
    { log: { level: 'silent' }, ...doc },
    {},
    async (type) => (await resolvePlugin(type, process.cwd())).configSchema,
  )
  const app = await buildApp(config, deps)
  if (startWorkers) await app.start()
  const address = await app.server.listen({ host: '127.0.0.1', port: 0 })
  const adminUrl = await app.admin.listen({ host: '127.0.0.1', port: 0 })
  return { app, config, address, url: `${address}${config.server.path}`, adminUrl }
}
