import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { buildApp } from '../app.js'
import { loadCliConfig } from '../cli/load.js'
import { createLogger } from '../observability/logger.js'
import { demoScript, settle } from './demo-script.js'
import { addEvent, deleteEvent, type EventPortal, encodeForm, updateEvent } from './event-bodies.js'
import { startFakePortal } from './fake-portal/fake-portal.js'
import { threeCustomers } from './three-customers.js'

/**
 * `npm run demo`: a fake portal on loopback, the bridge with config/demo.yaml (console output),
 * and a short story of events posted the way Bitrix24 posts them. Exit code 0 when every mirror
 * ended up as expected.
 */
export async function runDemo(options: { config: string }): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`)
  const portal = await startFakePortal()
  const dir = await mkdtemp(join(tmpdir(), 'openline-demo-'))
  const env = { ...process.env, DEMO_WEBHOOK_URL: portal.webhookUrl, DEMO_DB: join(dir, 'demo.db') }
  const { config } = await loadCliConfig(options.config, env)
  const logger = createLogger({ level: 'warn', destination: pino.destination(2) })
  const app = await buildApp(config, { logger })
  try {
    await app.start()
    const address = await app.server.listen({ host: '127.0.0.1', port: 0 })
    const endpoint = `${address}${config.server.path}`
    const member = config.bitrix.portals[0]
    if (!member) throw new Error('config/demo.yaml has no portal')
    const identity: EventPortal = {
      memberId: member.memberId ?? 'demo-member',
      domain: member.domain,
      applicationToken: member.applicationToken,
      accessToken: 'demo-user-access-token',
    }
    out(`demo: fake Bitrix24 portal on ${portal.url}, bridge on ${endpoint}`)
    const post = async (body: object) => {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeForm(body),
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const result = await demoScript({
      app,
      portal,
      identity,
      post,
      out,
      events: { addEvent, updateEvent, deleteEvent },
    })
    out(result.summary)
    const act2 = await threeCustomers({
      app,
      portal,
      identity,
      post,
      out,
      settle: () => settle(app, 60_000),
      events: { addEvent, updateEvent, deleteEvent },
    })
    out(act2.summary)
    return result.ok && act2.ok ? 0 : 1
  } finally {
    await app.close()
    await portal.close()
    await rm(dir, { recursive: true, force: true })
  }
}
