import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { App } from '../../src/app.js'
import type { BridgeConfig } from '../../src/config/types.js'
import { encodeForm } from '../../src/demo/event-bodies.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import type { Store } from '../../src/store/store.js'
import { type FakePortal, startFakePortal } from './fake-portal.js'
import { fastPipeline, startTestApp, type TestBridgeOptions } from './test-app.js'

/** The portal identity the shared fixtures carry. */
export const fixturePortal = {
  domain: 'example-portal.bitrix24.com',
  memberId: 'a223c6b3710f85df22e9377d6c4f7553',
  applicationToken: 'fake-apptoken-51856fefc120afa4',
  accessToken: 'fake-access-7f3c9e1d2b4a',
}

export function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/bitrix/events/${name}`, import.meta.url), 'utf8').trim()
}

export interface Bridge {
  app: App
  config: BridgeConfig
  portal: FakePortal
  dbPath: string
  url: string
  /** Base URL of the admin listener (`/metrics`, `/readyz` details, the console). */
  adminUrl: string
  /** POST a body: a string is sent as-is (form unless `contentType` says otherwise), an object form-encoded. */
  post(
    body: string | object,
    contentType?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>
  /** Run both pipeline stages until nothing is due. */
  drain(): Promise<void>
  close(): Promise<void>
}

export interface BridgeOptions extends TestBridgeOptions {
  policy?: Record<string, unknown>
  /** More `server` settings (e.g. `admin: { token }`). */
  server?: Record<string, unknown>
  /** Reuse a portal (restart tests); otherwise a new fake portal is started and closed with the bridge. */
  portal?: FakePortal
  /** Ready-made output instances replacing the configured ones (ids must match `outputs`). */
  plugins?: ReadonlyMap<string, OutputPlugin>
  /** Open the store yourself (e.g. with a held fsync) instead of from the config. */
  openStore?: (dbPath: string) => Store
  /** The bridge's logger (default: silent). */
  logger?: Logger
}

/** A whole bridge (real config validation, real SQLite file, real HTTP on loopback) against a fake portal. */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const portal = options.portal ?? (await startFakePortal())
  const dir = options.dbPath ? undefined : await mkdtemp(join(tmpdir(), 'olb-test-'))
  const dbPath = options.dbPath ?? join(dir ?? '', 'bridge.db')
  const doc = {
    server: { host: '127.0.0.1', port: 0, ...options.server },
    storage: { driver: 'sqlite', path: dbPath },
    bitrix: {
      portals: [
        {
          domain: fixturePortal.domain,
          memberId: fixturePortal.memberId,
          applicationToken: fixturePortal.applicationToken,
          webhookUrl: portal.webhookUrl,
        },
      ],
      timeoutMs: 2000,
      retries: 1,
      ...options.bitrix,
    },
    outputs: options.outputs,
    ...(options.routes ? { routes: options.routes } : {}),
    pipeline: fastPipeline(options.pipeline),
    policy: { ...options.policy },
  }
  const { app, config, url, adminUrl } = await startTestApp(
    doc,
    {
      ...(options.plugins ? { outputs: options.plugins } : {}),
      ...(options.openStore ? { store: options.openStore(dbPath) } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    },
    options.startWorkers ?? false,
  )
  return {
    app,
    config,
    portal,
    dbPath,
    url,
    adminUrl,
    async post(body, contentType = 'application/x-www-form-urlencoded') {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: typeof body === 'string' ? body : encodeForm(body),
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    },
    drain: () => app.pipeline.drain(),
    async close() {
      await app.close()
      if (!options.portal) await portal.close()
      if (dir) await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Poll until `check` is true (for tests with running workers); fails with `what` after the timeout. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
