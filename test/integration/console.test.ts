import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

const TOKEN = 'console-test-token-0123456789'
let bridge: Bridge | undefined
let sink: WebhookSink | undefined
afterEach(async () => {
  await bridge?.close()
  await sink?.close()
  bridge = undefined
})

async function open(): Promise<Bridge> {
  sink = await startWebhookSink()
  bridge = await startBridge({
    outputs: { hook: { type: 'webhook', url: sink.url } },
    server: { admin: { token: TOKEN } },
    pipeline: { maxAttempts: 1 },
  })
  return bridge
}

async function login(b: Bridge): Promise<{ cookie: string; csrf: string }> {
  const res = await b.app.admin.inject({ method: 'POST', url: '/login', payload: { token: TOKEN } })
  expect(res.statusCode).toBe(303)
  const cookie = String(res.headers['set-cookie']).split(';')[0] ?? ''
  const home = await b.app.admin.inject({ method: 'GET', url: '/', headers: { cookie } })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1] ?? ''
  expect(csrf).not.toBe('')
  return { cookie, csrf }
}

describe('status console (inject)', () => {
  it('shows nothing without a login, and nothing for a wrong token', async () => {
    const b = await open()
    const anon = await b.app.admin.inject({ method: 'GET', url: '/' })
    expect(anon.statusCode).toBe(303)
    expect(anon.headers.location).toBe('/login')
    for (const url of ['/deliveries', '/dead', `/messages/${fixturePortal.memberId}/1`]) {
      const res = await b.app.admin.inject({ method: 'GET', url, headers: { 'hx-request': 'true' } })
      expect(res.statusCode).toBe(401)
      expect(res.body).not.toContain(fixturePortal.domain)
    }
    const wrong = await b.app.admin.inject({ method: 'POST', url: '/login', payload: { token: 'nope' } })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.headers['set-cookie']).toBeUndefined()
    expect(wrong.body).not.toContain(fixturePortal.domain)
    const forgedCookie = await b.app.admin.inject({
      method: 'GET',
      url: '/dead',
      headers: { cookie: 'olb_console=abc.def', 'hx-request': 'true' },
    })
    expect(forgedCookie.statusCode).toBe(401)
  })

  it('refuses logins from an address after 5 wrong tokens, the right one too; other addresses still log in', async () => {
    const b = await open()
    const attempt = (token: string, remoteAddress = '203.0.113.7') =>
      b.app.admin.inject({ method: 'POST', url: '/login', payload: { token }, remoteAddress })
    for (let i = 0; i < 5; i++) expect((await attempt(`guess-${i}`)).statusCode).toBe(401)
    const blocked = await attempt(TOKEN)
    expect(blocked.statusCode).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800)
    expect(blocked.headers['set-cookie']).toBeUndefined()
    expect(blocked.body).toContain('too many wrong tokens from this address')
    expect((await attempt(TOKEN, '203.0.113.8')).statusCode).toBe(303)
  })

  it('refuses a POST without the CSRF token, and replays a dead letter with it', async () => {
    const b = await open()
    b.portal.setMessage({ id: 7, chatId: 1024, authorId: 7, text: 'hello' })
    sink?.failAlways(401)
    await b.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 7 }], { ts: 1000 }))
    await b.drain()
    const [dead] = await b.app.store.listDead('deliver')
    expect(dead).toBeDefined()
    const { cookie, csrf } = await login(b)

    const inspect = await b.app.admin.inject({ method: 'GET', url: `/dead/${dead?.id}`, headers: { cookie } })
    expect(inspect.statusCode).toBe(200)
    expect(inspect.body).toContain('hello')
    expect(inspect.body).not.toContain(fixturePortal.applicationToken)

    const forged = await b.app.admin.inject({
      method: 'POST',
      url: '/dead/replay',
      headers: { cookie },
      payload: { id: dead?.id },
    })
    expect(forged.statusCode).toBe(403)
    const wrongCsrf = await b.app.admin.inject({
      method: 'POST',
      url: '/dead/replay',
      headers: { cookie, 'x-csrf-token': `${csrf}x` },
      payload: { id: dead?.id },
    })
    expect(wrongCsrf.statusCode).toBe(403)
    expect(await b.app.store.listDead()).toHaveLength(1)

    sink?.failAlways(undefined)
    const replay = await b.app.admin.inject({
      method: 'POST',
      url: '/dead/replay',
      headers: { cookie },
      payload: { id: dead?.id, _csrf: csrf },
    })
    expect(replay.statusCode).toBe(303)
    await b.drain()
    const progress = await b.app.admin.inject({
      method: 'GET',
      url: String(replay.headers.location),
      headers: { cookie },
    })
    expect(progress.body).toContain('1 of 1 settled')
    expect(progress.body).toMatch(/class="outcome">delivered/)
    expect(sink?.requests).toHaveLength(1)
  })

  it('is off (404, no login) when server.admin.token is empty', async () => {
    sink = await startWebhookSink()
    bridge = await startBridge({ outputs: { hook: { type: 'webhook', url: sink.url } } })
    const res = await bridge.app.admin.inject({ method: 'POST', url: '/login', payload: { token: '' } })
    expect(res.statusCode).toBe(404)
    expect((await bridge.app.admin.inject({ method: 'GET', url: '/' })).body).toContain('server.admin.token')
  })
})
