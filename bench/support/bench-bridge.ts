import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type App, buildApp } from '../../src/app.js'
import type { BridgeConfig } from '../../src/config/types.js'
import { validateConfig } from '../../src/config/validate-config.js'
import { resolvePlugin } from '../../src/plugins/registry.js'
import type { Store } from '../../src/store/store.js'
import { fixturePortal } from './event-bodies.js'

/** Absolute path, so the config names the plugin the way a user names a local plugin file. */
// `.ts` under tsx, `.js` when the bench runs compiled (the memory figure measures the compiled build).
export const slackLikeType = fileURLToPath(
  new URL(`./slack-like-output.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
)

export interface BenchBridgeOptions {
  webhookUrl: string
  /** Output id → FakeSlack URL. */
  outputs: Record<string, string>
  pipeline?: Record<string, unknown>
  bitrix?: Record<string, unknown>
  /** Start the workers now (default false: ingest measures the request path alone). */
  startWorkers?: boolean
  /** Storage settings instead of a fresh SQLite file (figure 7: `{ driver: 'postgres', url }`). */
  storage?: Record<string, unknown>
  /** Replace the store the config would open (profile what-ifs: another synchronous mode…). */
  openStore?: (path: string) => Store
}

export interface BenchBridge {
  app: App
  config: BridgeConfig
  /** `http://127.0.0.1:<port>/bitrix/events` */
  url: string
  close(): Promise<void>
}

/**
 * The real bridge as a user runs it: a validated config (embedded SQLite file in a fresh temp
 * directory, default `synchronous=FULL`), buildApp, listening on 127.0.0.1:0. Logs are silent.
 */
export async function startBenchBridge(options: BenchBridgeOptions): Promise<BenchBridge> {
  const dir = await mkdtemp(join(tmpdir(), 'olb-bench-'))
  const outputs = Object.fromEntries(
    Object.entries(options.outputs).map(([id, url]) => [id, { type: slackLikeType, url }]),
  )
  const doc = {
    server: { host: '127.0.0.1', port: 0 },
    storage: options.storage ?? { driver: 'sqlite', path: join(dir, 'bridge.db') },
    bitrix: {
      portals: [{ ...fixturePortal, webhookUrl: options.webhookUrl }],
      ...options.bitrix,
    },
    outputs,
    // The bench's one portal stands for all the traffic: without this, the per-portal backlog cap
    // (a defence against one portal filling the store, default 10,000) would refuse the ingest and
    // scale-out figures' requests with 503 once 10,000 events wait (workers are off there).
    pipeline: { maxPendingPerPortal: 1_000_000_000, ...options.pipeline },
    // BENCH_LOG=info (or debug) shows the bridge's log while a figure runs.
    log: { level: process.env.BENCH_LOG ?? 'silent' },
  }
  const config = await validateConfig(
    doc,
    {},
    async (type) => (await resolvePlugin(type, process.cwd())).configSchema,
  )
  const app = await buildApp(
    config,
    options.openStore ? { store: options.openStore(config.storage.path) } : {},
  )
  if (options.startWorkers) await app.start()
  const address = await app.server.listen({ host: '127.0.0.1', port: 0 })
  return {
    app,
    config,
    url: `${address}${config.server.path}`,
    async close() {
      await app.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
