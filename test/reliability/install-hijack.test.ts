import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadPortalRegistry } from '../../src/bitrix/portal-registry.js'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'
import { lifecycleBody, type OAuthBridge, startOAuthBridge } from '../support/oauth-bridge.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

/**
 * Issue 10, finding 1 (install hijack). A stranger with a free portal of their own — on which
 * they installed this very app, so they hold genuine tokens for it — forges ONAPPINSTALL events to
 * take over the ids of hand-configured portals. None may be stored, the configured portals keep
 * being served (their reads go to their own webhook, never to the stranger), a forged uninstall
 * cannot drop their jobs, and a 401 never says which portal an id or domain belongs to.
 */
let bridge: OAuthBridge
let sink: WebhookSink
let victimA: FakePortal // configured by domain only: its id is its domain
let victimB: FakePortal // configured with a member id
let victimC: FakePortal // configured by hand, and the app genuinely installed on it too
let stranger: FakePortal
const VICTIM_B_MEMBER = 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1'
const VICTIM_C_MEMBER = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3'
const STRANGER_MEMBER = 'e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5'
const edit = [{ chatId: 1024, messageId: 2057 }]

beforeAll(async () => {
  ;[victimA, victimB, victimC, stranger] = await Promise.all([
    startFakePortal(),
    startFakePortal(),
    startFakePortal(),
    startFakePortal(),
  ])
  sink = await startWebhookSink()
  bridge = await startOAuthBridge({
    portals: 0,
    outputs: { hook: { type: 'webhook', url: sink.url } },
    // The stranger's portal is on an allowed host, as any *.bitrix24.com portal is by default.
    allowHosts: [stranger.host, victimA.host, victimB.host, victimC.host],
    bitrix: {
      portals: [
        { domain: victimA.host, applicationToken: 'victim-a-token', webhookUrl: victimA.webhookUrl },
        {
          domain: victimB.host,
          memberId: VICTIM_B_MEMBER,
          applicationToken: 'victim-b-token',
          webhookUrl: victimB.webhookUrl,
        },
        {
          domain: victimC.host,
          memberId: VICTIM_C_MEMBER,
          applicationToken: 'victim-c-token',
          webhookUrl: victimC.webhookUrl,
        },
      ],
    },
  })
  for (const v of [victimA, victimB, victimC])
    v.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: `genuine text of ${v.host}` })
  stranger.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'the stranger’s fake text' })
})
afterAll(async () => {
  await bridge.close()
  await sink.close()
  await Promise.all([victimA, victimB, victimC, stranger].map((p) => p.close()))
})

/** An install event from the stranger's own portal, with genuine tokens of this app for it. */
function strangerInstall(overrides: Record<string, string>) {
  const refreshToken = `stranger-refresh-${Math.random().toString(36).slice(2)}`
  bridge.oauth.grant(refreshToken, stranger, STRANGER_MEMBER)
  const p = {
    fake: stranger,
    memberId: STRANGER_MEMBER,
    domain: stranger.host,
    applicationToken: 'stranger-app-token',
    accessToken: stranger.issueToken(),
    refreshToken,
  }
  return lifecycleBody('ONAPPINSTALL', p, bridge.oauth.serverEndpoint, overrides)
}

describe('finding 1: install hijack', () => {
  it('refuses installs squatting configured ids, keeps serving the configured portals, leaks no ids', async () => {
    const squats = {
      'domain-id of a portal configured by domain': strangerInstall({ member_id: victimA.host }),
      'member id of a configured portal': strangerInstall({ member_id: VICTIM_B_MEMBER }),
      'a refresh token of another app': strangerInstall({
        member_id: VICTIM_B_MEMBER,
        refresh_token: 'issued-to-the-strangers-own-app',
      }),
    }
    const statuses: Record<string, number> = {}
    for (const [name, body] of Object.entries(squats)) statuses[name] = (await bridge.post(body)).status
    expect(statuses).toEqual({
      'domain-id of a portal configured by domain': 403,
      'member id of a configured portal': 403,
      'a refresh token of another app': 403,
    })
    expect(await bridge.app.store.listPortals()).toEqual([])

    // The app genuinely installed on a hand-configured portal: refused too (it would shadow it).
    const refreshC = 'victim-c-genuine-refresh'
    bridge.oauth.grant(refreshC, victimC, VICTIM_C_MEMBER)
    const installC = await bridge.post(
      lifecycleBody(
        'ONAPPINSTALL',
        {
          fake: victimC,
          memberId: VICTIM_C_MEMBER,
          domain: victimC.host,
          applicationToken: 'installed-c-token',
          accessToken: victimC.issueToken(),
          refreshToken: refreshC,
        },
        bridge.oauth.serverEndpoint,
      ),
    )
    expect(installC.status).toBe(403)
    expect(String(installC.body.error)).toContain('bitrix.portals')

    // A forged uninstall with the stranger's token cannot touch a configured portal's jobs.
    const identityA = { memberId: 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0', domain: victimA.host }
    expect(
      (await bridge.post(updateEvent({ ...identityA, applicationToken: 'victim-a-token' }, edit))).status,
    ).toBe(200)
    const uninstall = lifecycleBody(
      'ONAPPUNINSTALL',
      {
        fake: stranger,
        memberId: victimA.host,
        domain: stranger.host,
        applicationToken: 'stranger-app-token',
        accessToken: '',
        refreshToken: '',
      },
      '',
    )
    expect((await bridge.post(uninstall)).status).toBe(401)
    expect((await bridge.app.store.stats('fetch')).pending).toBe(1)

    // The configured portals are read through their own webhooks; the stranger is never called.
    for (const [identity, token] of [
      [{ memberId: VICTIM_B_MEMBER, domain: victimB.host }, 'victim-b-token'],
      [{ memberId: VICTIM_C_MEMBER, domain: victimC.host }, 'victim-c-token'],
    ] as const) {
      expect((await bridge.post(updateEvent({ ...identity, applicationToken: token }, edit))).status).toBe(
        200,
      )
    }
    await bridge.drain()
    const delivered = await sink.waitFor(3)
    expect(delivered.map((d) => d.body.text).sort()).toEqual(
      [victimA, victimB, victimC].map((v) => `genuine text of ${v.host}`).sort(),
    )
    expect(stranger.requests.filter((r) => r.method === 'batch')).toEqual([])

    // The stranger's genuine install of their own portal is fine, and shadows nobody.
    const own = await bridge.post(strangerInstall({}))
    expect(own).toEqual({ status: 200, body: { ok: true, installed: stranger.host } })
    expect(
      bridge.app.portals
        .list()
        .map((p) => p.domain)
        .sort(),
    ).toEqual([victimA, victimB, victimC, stranger].map((p) => p.host).sort())
  })

  it('answers a wrong token for a configured id exactly as an unknown portal, naming none', async () => {
    const post = (memberId: string, domain: string) =>
      bridge.post(updateEvent({ memberId, domain, applicationToken: 'guessed-token' }, edit))
    const answers = [
      await post('ffffffffffffffffffffffffffffffff', 'nobody.bitrix24.com'),
      await post('ffffffffffffffffffffffffffffffff', victimA.host),
      await post(VICTIM_B_MEMBER, victimB.host),
    ]
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401])
    expect(answers[1]?.body).toEqual(answers[0]?.body)
    expect(answers[2]?.body).toEqual(answers[0]?.body)
    const text = JSON.stringify(answers)
    for (const secretId of [victimA.host, victimB.host, VICTIM_B_MEMBER]) expect(text).not.toContain(secretId)
  })

  it('never lets an installed record stored earlier shadow a configured portal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olb-shadow-'))
    const store = openSqliteStore({ path: join(dir, 'bridge.db') })
    try {
      // Written by a version that accepted such installs.
      await store.savePortal({
        memberId: VICTIM_B_MEMBER,
        domain: stranger.host,
        clientEndpoint: stranger.restUrl,
        serverEndpoint: bridge.oauth.serverEndpoint,
        applicationToken: 'stranger-app-token',
        accessToken: 'a',
        refreshToken: 'r',
        expiresAt: 0,
        scope: '',
        status: 'active',
        installedAt: 1,
        updatedAt: 1,
      })
      const configured = [
        { domain: victimB.host, memberId: VICTIM_B_MEMBER, applicationToken: 'victim-b-token' },
      ]
      const registry = await loadPortalRegistry(configured, store)
      expect(registry.find(VICTIM_B_MEMBER, stranger.host)).toMatchObject({ domain: victimB.host })
      expect(registry.find(VICTIM_B_MEMBER, stranger.host)?.installed).toBeUndefined()
      expect(registry.get(VICTIM_B_MEMBER)?.applicationToken).toBe('victim-b-token')
      expect(registry.list().map((p) => p.domain)).toEqual([victimB.host])
    } finally {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
