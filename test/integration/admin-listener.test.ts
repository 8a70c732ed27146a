import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { openSqliteStore } from '../../src/store/index.js'
import type { Store } from '../../src/store/store.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startFakePortal } from '../support/fake-portal.js'
import { startTestApp } from '../support/test-app.js'

let bridge: Bridge | undefined
let app: App | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await app?.close()
  app = undefined
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

describe('admin listener (server.admin)', () => {
  it('keeps portal ids, domains, queue sizes and metrics off the public port', async () => {
    bridge = await startBridge({ outputs: { c: { type: 'console', stream: 'stderr' } } })
    const edit = updateEvent(fixturePortal, [{ chatId: 1024, messageId: 1 }], { ts: 1000 })
    expect((await bridge.post(edit)).status).toBe(200)
    const publicBase = bridge.url.replace(bridge.config.server.path, '')

    const ready = await fetch(`${publicBase}/readyz`)
    expect(ready.status).toBe(200)
    const text = await ready.text()
    expect(JSON.parse(text)).toEqual({ ok: true, store: 'ok' })
    for (const secret of [fixturePortal.memberId, fixturePortal.domain, 'pending', 'queues', 'portals'])
      expect(text).not.toContain(secret)
    expect((await fetch(`${publicBase}/metrics`)).status).toBe(404)
    expect(await (await fetch(`${publicBase}/healthz`)).json()).toEqual({ ok: true })

    // The details are on the admin listener.
    const admin = await (await fetch(`${bridge.adminUrl}/readyz`)).json()
    expect(admin).toMatchObject({ ok: true, queues: { fetch: { pending: 1 } }, portals: { total: 1 } })
    const metrics = await (await fetch(`${bridge.adminUrl}/metrics`)).text()
    expect(metrics).toContain('openline_bridge_jobs{queue="fetch",state="pending"} 1')
    // And the admin listener does not take events.
    const posted = await fetch(`${bridge.adminUrl}${bridge.config.server.path}`, { method: 'POST' })
    expect(posted.status).toBe(404)
  })

  it('counts queues at most once per second however often /readyz and /metrics are asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olb-admin-'))
    const portal = await startFakePortal()
    cleanups.push(
      () => portal.close(),
      () => rm(dir, { recursive: true, force: true }),
    )
    const real = openSqliteStore({ path: join(dir, 'bridge.db') })
    let counts = 0
    const store: Store = Object.assign(Object.create(real) as Store, {
      stats: (...args: Parameters<Store['stats']>) => {
        counts++
        return real.stats(...args)
      },
    })
    let clock = Date.now()
    const started = await startTestApp(
      {
        server: { host: '127.0.0.1', port: 0 },
        storage: { driver: 'sqlite', path: join(dir, 'bridge.db') },
        bitrix: {
          portals: [
            {
              domain: fixturePortal.domain,
              memberId: fixturePortal.memberId,
              applicationToken: fixturePortal.applicationToken,
              webhookUrl: portal.webhookUrl,
            },
          ],
        },
        outputs: { c: { type: 'console', stream: 'stderr' } },
      },
      { store, now: () => clock },
      false,
    )
    app = started.app
    const ask = (path: string) => fetch(`${started.adminUrl}${path}`).then((r) => r.text())
    await Promise.all(Array.from({ length: 40 }, (_, i) => ask(i % 2 === 0 ? '/readyz' : '/metrics')))
    for (let i = 0; i < 20; i++) await ask('/readyz')
    expect(counts).toBe(2) // one count per queue (fetch, deliver) for 60 requests

    clock += 1000
    for (let i = 0; i < 20; i++) await ask('/metrics')
    expect(counts).toBe(4)
  })
})
