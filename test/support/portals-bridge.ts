import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { App } from '../../src/app.js'
import { type EventPortal, encodeForm, updateEvent } from '../../src/demo/event-bodies.js'
import { type FakePortal, type FakePortalOptions, startFakePortal } from './fake-portal.js'
import { fastPipeline, startTestApp } from './test-app.js'
import { startWebhookSink, type WebhookSink } from './webhook-sink.js'

/** One hand-configured portal of a PortalsBridge: its identity and its own fake Bitrix24. */
export interface TestPortal extends EventPortal {
  name: string
  fake: FakePortal
}

export interface PortalsBridge {
  app: App
  url: string
  portals: Record<string, TestPortal>
  /** Every mirror lands here (one webhook output per portal, `hook.<name>`, all posting to this sink). */
  sink: WebhookSink
  /** Posts an edit of `messageId` (chat 1024) from the named portal; resolves to the HTTP status. */
  edit(portal: string, messageId: number, ts?: number): Promise<{ status: number; body: string }>
  close(): Promise<void>
}

export interface PortalsBridgeOptions {
  /** Portal names; each gets domain `<name>.bitrix24.com` and its own fake portal. */
  names: readonly string[]
  fakeOptions?: FakePortalOptions
  pipeline?: Record<string, unknown>
  bitrix?: Record<string, unknown>
  server?: Record<string, unknown>
  /** The bridge's logger (default silent). */
  logger?: Logger
}

/**
 * A whole bridge (real config validation, SQLite file, loopback HTTP, running workers) serving
 * several hand-configured portals, each backed by its own fake portal, mirroring to one webhook sink.
 */
export async function startPortalsBridge(options: PortalsBridgeOptions): Promise<PortalsBridge> {
  const dir = await mkdtemp(join(tmpdir(), 'olb-portals-'))
  const sink = await startWebhookSink()
  const portals: Record<string, TestPortal> = {}
  for (const name of options.names) {
    portals[name] = {
      name,
      domain: `${name}.bitrix24.com`,
      memberId: `member-${name}`,
      applicationToken: `app-token-${name}`,
      fake: await startFakePortal(options.fakeOptions),
    }
  }
  const doc = {
    server: { host: '127.0.0.1', port: 0, ...options.server },
    storage: { driver: 'sqlite', path: join(dir, 'bridge.db') },
    bitrix: {
      portals: Object.values(portals).map((p) => ({
        domain: p.domain,
        memberId: p.memberId,
        applicationToken: p.applicationToken,
        webhookUrl: p.fake.webhookUrl,
      })),
      timeoutMs: 2000,
      retries: 1,
      ...options.bitrix,
    },
    // Each portal has its own output (outputs have their own concurrency), all on one loopback sink.
    outputs: Object.fromEntries(
      options.names.map((name) => [`hook.${name}`, { type: 'webhook', url: sink.url }]),
    ),
    routes: Object.values(portals).map((p) => ({ match: { portal: p.memberId }, to: [`hook.${p.name}`] })),
    pipeline: fastPipeline(options.pipeline),
  }
  const { app, url } = await startTestApp(doc, options.logger ? { logger: options.logger } : {}, true)
  return {
    app,
    url,
    portals,
    sink,
    async edit(name, messageId, ts = 1000) {
      const portal = portals[name]
      if (portal === undefined) throw new Error(`no portal ${name}`)
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeForm(updateEvent(portal, [{ chatId: 1024, messageId }], { ts })),
      })
      return { status: res.status, body: await res.text() }
    },
    async close() {
      // Fake portals first: a read hanging on one of them ends with the connection.
      for (const p of Object.values(portals)) await p.fake.close()
      await app.close()
      await sink.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
