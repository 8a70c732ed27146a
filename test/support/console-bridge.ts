import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { App } from '../../src/app.js'
import { type EventPortal, encodeForm, updateEvent } from '../../src/demo/event-bodies.js'
import { eventually, fixturePortal } from './bridge-harness.js'
import { type FakePortal, startFakePortal } from './fake-portal.js'
import { fastPipeline, startTestApp } from './test-app.js'
import { startWebhookSink, type WebhookSink } from './webhook-sink.js'

export const CONSOLE_TOKEN = 'console-admin-token-3f9a1c7e5b'

export const secondPortal: EventPortal = {
  domain: 'second-portal.bitrix24.com',
  memberId: 'b71d0c3e9f2a4b6c8d1e3f5a7b9c0d2e',
  applicationToken: 'fake-apptoken-second-7d2e9a',
}

/**
 * A running bridge for the console tests and screenshots: two portals, three outputs (two
 * webhooks and the console), workers running. `hook.audit` refuses its first delivery with 401,
 * so it ends in the dead letters until `audit.failAlways(undefined)` and a replay.
 */
export interface ConsoleBridge {
  app: App
  adminUrl: string
  ops: WebhookSink
  audit: WebhookSink
  /** The dead letter `hook.audit` made of message 2057. */
  deadId: string
  close(): Promise<void>
}

export async function startConsoleBridge(): Promise<ConsoleBridge> {
  const dir = await mkdtemp(join(tmpdir(), 'olb-console-'))
  const [one, two] = [await startFakePortal(), await startFakePortal()] as [FakePortal, FakePortal]
  const ops = await startWebhookSink()
  const audit = await startWebhookSink()
  audit.failAlways(401)
  const { app, url, adminUrl } = await startTestApp(
    {
      server: { host: '127.0.0.1', port: 0, admin: { token: CONSOLE_TOKEN } },
      storage: { driver: 'sqlite', path: join(dir, 'bridge.db') },
      bitrix: {
        portals: [
          { ...pick(fixturePortal), webhookUrl: one.webhookUrl },
          { ...pick(secondPortal), webhookUrl: two.webhookUrl },
        ],
        timeoutMs: 2000,
        retries: 1,
      },
      outputs: {
        'hook.ops': { type: 'webhook', url: ops.url },
        'hook.audit': { type: 'webhook', url: audit.url },
        'console.main': { type: 'console', stream: 'stderr' },
      },
      routes: [
        { match: { portal: fixturePortal.domain }, to: ['hook.ops', 'hook.audit', 'console.main'] },
        { to: ['hook.ops'] },
      ],
      pipeline: fastPipeline({ maxAttempts: 2 }),
    },
    {},
    true,
  )
  one.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'Your order #4411 ships [b]tomorrow[/b]' })
  one.setMessage({ id: 2058, chatId: 1024, authorId: 7, text: 'Tracking: 1Z999' })
  two.setMessage({ id: 3001, chatId: 77, authorId: 3, text: 'Hello from the second portal' })
  const post = (body: object) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encodeForm(body),
    })
  await post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2057 }], { ts: 1000 }))
  await post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2058 }], { ts: 1001 }))
  await post(updateEvent(secondPortal, [{ chatId: 77, messageId: 3001 }], { ts: 1002 }))
  await ops.waitFor(3)
  let deadId = ''
  await eventually(async () => {
    const dead = await app.store.listDead('deliver')
    deadId =
      dead.find((j) => (j.payload as { message?: { messageId?: number } }).message?.messageId === 2057)?.id ??
      ''
    return deadId !== '' && dead.length === 2
  }, 'hook.audit dead letters for 2057 and 2058')
  return {
    app,
    adminUrl,
    ops,
    audit,
    deadId,
    async close() {
      await app.close()
      await Promise.all([one.close(), two.close(), ops.close(), audit.close()])
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function pick(p: EventPortal) {
  return { domain: p.domain, memberId: p.memberId, applicationToken: p.applicationToken }
}
