import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bindCommand } from '../../src/cli/bind-command.js'
import { deliveriesCommand } from '../../src/cli/deliveries-command.js'
import { BridgeError, ErrorCodes } from '../../src/errors.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import type { PortalCredentials } from '../../src/store/store.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'

const HANDLER = 'https://bridge.example.com/bitrix/events'
let dir: string
let fake: FakePortal

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'olb-bind-'))
  fake = await startFakePortal()
})
afterEach(async () => {
  await fake.close()
  await rm(dir, { recursive: true, force: true })
})

function portal(overrides: Partial<PortalCredentials> = {}): PortalCredentials {
  return {
    memberId: 'member-bind',
    domain: fake.host,
    clientEndpoint: fake.restUrl,
    serverEndpoint: 'https://oauth.bitrix.info/rest/',
    applicationToken: 'app-token',
    accessToken: fake.issueToken(),
    refreshToken: 'refresh',
    expiresAt: 0,
    scope: 'im,imopenlines',
    status: 'active',
    installedAt: 1,
    updatedAt: 1,
    ...overrides,
  }
}

/** A config file like an operator's, with one installed portal in its store. */
async function setup(bitrix: Record<string, unknown>, installed?: PortalCredentials): Promise<string> {
  const db = join(dir, 'bridge.db')
  if (installed !== undefined) {
    const store = openSqliteStore({ path: db })
    await store.savePortal(installed)
    await store.close()
  }
  const file = join(dir, 'bridge.json')
  const doc = {
    storage: { path: db },
    bitrix: { allowedHosts: [fake.host], timeoutMs: 2000, retries: 0, ...bitrix },
    outputs: { 'console.main': { type: 'console' } },
  }
  await writeFile(file, JSON.stringify(doc))
  return file
}

async function run(options: Parameters<typeof bindCommand>[0]): Promise<string> {
  const out = new PassThrough()
  const chunks: string[] = []
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')))
  await bindCommand(options, { stdout: out, env: {}, cwd: dir })
  return chunks.join('')
}

const app = { clientId: 'local.x', clientSecret: 'secret' }

describe('bind / unbind', () => {
  it('binds the missing handlers, skips those already bound, and is idempotent', async () => {
    const config = await setup({ app }, portal())
    fake.events.bindings.push({ event: 'ONAPPUNINSTALL', handler: HANDLER, offline: false })

    const first = await run({ config, portal: 'member-bind', url: HANDLER })
    expect(first).toContain(`bound ONOPENLINEMESSAGEUPDATE → ${HANDLER}`)
    expect(first).toContain(`already bound ONAPPUNINSTALL → ${HANDLER}`)
    expect(first).toContain('4 bound, 1 already bound')
    expect(fake.events.bindings.map((b) => b.event).sort()).toEqual([
      'ONAPPUNINSTALL',
      'ONAPPUPDATE',
      'ONOPENLINEMESSAGEADD',
      'ONOPENLINEMESSAGEDELETE',
      'ONOPENLINEMESSAGEUPDATE',
    ])
    expect(fake.events.bindings.every((b) => b.handler === HANDLER && !b.offline)).toBe(true)
    expect(fake.requests.filter((r) => r.method === 'event.bind').every((r) => r.auth !== undefined)).toBe(
      true,
    )

    const again = await run({ config, portal: fake.host, url: HANDLER })
    expect(again).toContain('0 bound, 5 already bound')
    expect(fake.events.bindings).toHaveLength(5)
    expect(fake.requests.filter((r) => r.method === 'event.bind')).toHaveLength(4)
  })

  it('binds offline subscriptions and the ONOFFLINEEVENT ping for delivery: offline', async () => {
    const config = await setup({ app, delivery: 'offline', events: ['ONOPENLINEMESSAGEUPDATE'] }, portal())
    const out = await run({ config, portal: 'member-bind', url: HANDLER })
    expect(out).toContain('bound ONOPENLINEMESSAGEUPDATE (offline queue)')
    expect(fake.events.bindings).toEqual(
      expect.arrayContaining([
        { event: 'ONOPENLINEMESSAGEUPDATE', handler: '', offline: true },
        { event: 'ONOFFLINEEVENT', handler: HANDLER, offline: false },
      ]),
    )
    expect(fake.events.bindings.some((b) => b.event === 'ONOPENLINEMESSAGEUPDATE' && !b.offline)).toBe(false)
  })

  it('warns at bind when the plan cannot reserve offline events (feature.get rest_offline_extended)', async () => {
    const config = await setup({ app, delivery: 'offline', events: ['ONOPENLINEMESSAGEUPDATE'] }, portal())
    fake.setFeature('rest_offline_extended', 'N')
    const out = await run({ config, portal: 'member-bind', url: HANDLER })
    expect(out).toContain('warning: portal')
    expect(out).toContain('cannot reserve offline events (feature.get rest_offline_extended = N)')
    expect(out).toContain('clear: 1')
    fake.setFeature('rest_offline_extended', 'Y')
    const quiet = await run({ config, portal: 'member-bind', url: HANDLER })
    expect(quiet).not.toContain('warning:')
  })

  it('unbind removes what bind made and leaves other handlers alone', async () => {
    const config = await setup({ app }, portal())
    fake.events.bindings.push({
      event: 'ONOPENLINEMESSAGEUPDATE',
      handler: 'https://other.example.com/h',
      offline: false,
    })
    await run({ config, portal: 'member-bind', url: HANDLER })
    const out = await run({ config, portal: 'member-bind', url: HANDLER, unbind: true })
    expect(out).toContain('5 unbound, 0 not bound')
    expect(fake.events.bindings).toEqual([
      { event: 'ONOPENLINEMESSAGEUPDATE', handler: 'https://other.example.com/h', offline: false },
    ])
  })

  it('explains that events need an app when the bridge runs on a webhook', async () => {
    const config = await setup({
      portals: [{ domain: 'x.bitrix24.com', applicationToken: 't', webhookUrl: `${fake.url}/rest/1/abc/` }],
    })
    const err = await run({ config, portal: 'x.bitrix24.com', url: HANDLER }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BridgeError)
    expect((err as BridgeError).code).toBe(ErrorCodes.BIND_NEEDS_APP)
    expect((err as BridgeError).message).toMatch(/local application/)
    expect(fake.requests).toEqual([])
  })

  it('names the known portals when --portal matches none', async () => {
    const config = await setup({ app }, portal())
    const err = await run({ config, portal: 'nope.bitrix24.com', url: HANDLER }).catch((e: unknown) => e)
    expect((err as BridgeError).code).toBe(ErrorCodes.PORTAL_NOT_FOUND)
    expect((err as BridgeError).message).toContain('member-bind')
  })

  it('the CLI exits 2 with the explanation for a webhook config', async () => {
    const config = await setup({
      portals: [{ domain: 'x.bitrix24.com', applicationToken: 't', webhookUrl: `${fake.url}/rest/1/abc/` }],
    })
    const cli = join(process.cwd(), 'bin', 'openline-bridge.js')
    const res = await promisify(execFile)(
      process.execPath,
      [cli, 'bind', '--config', config, '--portal', 'x', '--url', HANDLER],
      {
        env: { PATH: process.env.PATH ?? '' },
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    )
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('BRG_ERR_BIND_NEEDS_APP')
  })
})

describe('deliveries', () => {
  it('says which portal needs a re-install and what to do', async () => {
    const config = await setup(
      { app },
      portal({ status: 'needs-reinstall', statusReason: 'the refresh token was rejected (invalid_grant)' }),
    )
    const out = new PassThrough()
    const chunks: string[] = []
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')))
    await deliveriesCommand({ config }, { stdout: out, env: {}, cwd: dir })
    const text = chunks.join('')
    expect(text).toContain(
      `${fake.host} (member-bind) installed app: NEEDS RE-INSTALL (the refresh token was rejected (invalid_grant))`,
    )
    expect(text).toContain('reinstall the application on this portal')
    expect(text).toContain('queues: fetch 0 waiting')
  })
})

describe('deliveries --portal', () => {
  async function deliveries(config: string, portalKey: string) {
    const out = new PassThrough()
    const chunks: string[] = []
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')))
    await deliveriesCommand({ config, portal: portalKey }, { stdout: out, env: {}, cwd: dir })
    return chunks.join('')
  }

  it('takes the domain as well as the member_id, and refuses a portal it does not know', async () => {
    const config = await setup({ app }, portal())
    expect(await deliveries(config, fake.host)).toContain(`${fake.host} (member-bind) installed app: ok`)
    expect(await deliveries(config, 'member-bind')).toContain(`${fake.host} (member-bind) installed app: ok`)
    const refused = await deliveries(config, 'nobody.bitrix24.com').then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(refused).toBeInstanceOf(BridgeError)
    expect(refused).toMatchObject({ code: ErrorCodes.PORTAL_NOT_FOUND, kind: 'config' })
    expect((refused as Error).message).toContain(`known: ${fake.host} (member-bind)`)
  })
})
