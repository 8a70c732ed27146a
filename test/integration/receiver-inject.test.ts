import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createPortalDirectory } from '../../src/bitrix/portal-directory.js'
import { ErrorCodes } from '../../src/errors.js'
import { silentLogger } from '../../src/observability/logger.js'
import type { FetchPayload } from '../../src/pipeline/jobs.js'
import { registerReceiver } from '../../src/receiver/receiver-plugin.js'
import {
  APP_TOKEN,
  buildReceiverApp,
  DOMAIN,
  fixture,
  type Harness,
  MEMBER_ID,
  PATH,
  postForm,
  postJson,
} from '../unit/receiver/receiver-harness.js'
import { recordingStore } from '../unit/receiver/recording-store.js'

let h: Harness
afterEach(async () => {
  await h?.app.close()
})

const events = () => h.store.jobs.map((j) => (j.payload as FetchPayload).event)
const withToken = (body: string, token: string) => body.replace(APP_TOKEN, token)

describe('receiver: fixtures posted as Bitrix24 sends them', () => {
  it('doc shape → one fetch job keyed by portal and message, 200 {ok, queued}', async () => {
    h = await buildReceiverApp()
    const res = await postForm(h.app, fixture('onopenlinemessageupdate.docs.form.txt'))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true, queued: 1 })
    expect(h.store.jobs).toHaveLength(1)
    expect(h.store.jobs[0]).toMatchObject({ queue: 'fetch', key: `${MEMBER_ID}:2056`, group: MEMBER_ID })
    expect(h.store.jobs[0]?.payload).toMatchObject({
      portal: MEMBER_ID,
      event: { chatId: 1024, messageId: 2056 },
    })
    expect(h.queued).toEqual([1])
  })

  it('the JSON variant enqueues the same job', async () => {
    h = await buildReceiverApp()
    const res = await postJson(h.app, fixture('onopenlinemessageupdate.docs.json'))
    expect(res.statusCode).toBe(200)
    expect(events()).toEqual([expect.objectContaining({ kind: 'updated', chatId: 1024, messageId: 2056 })])
  })

  it('server shape → one job with the external ids and the signed text as a hint', async () => {
    h = await buildReceiverApp()
    const res = await postForm(h.app, fixture('onopenlinemessageupdate.server.form.txt'))
    expect(res.json()).toEqual({ ok: true, queued: 1 })
    const [event] = events()
    expect(event).toMatchObject({ chatId: 1024, messageId: 2057, externalMessageIds: ['5521'] })
    expect(event?.textHint).toContain('[b]Anna Petrova:[/b][br] ')
  })

  it('no user tokens → job without userToken; with them → userToken carried', async () => {
    h = await buildReceiverApp()
    await postForm(h.app, fixture('onopenlinemessageupdate.no-user-tokens.form.txt'))
    await postForm(h.app, fixture('onopenlinemessageupdate.docs.form.txt'))
    const [robot, user] = events()
    expect(robot).not.toHaveProperty('userToken')
    expect(user?.userToken).toBe('fake-access-7f3c9e1d2b4a')
  })

  it('two items → two jobs in one enqueue', async () => {
    h = await buildReceiverApp()
    const res = await postForm(h.app, fixture('onopenlinemessageupdate.two-items.form.txt'))
    expect(res.json()).toEqual({ ok: true, queued: 2 })
    expect(h.store.jobs.map((j) => j.key)).toEqual([`${MEMBER_ID}:2058`, `${MEMBER_ID}:2059`])
  })

  it('add → kind added, delete → kind deleted', async () => {
    h = await buildReceiverApp()
    await postForm(h.app, fixture('onopenlinemessageadd.form.txt'))
    await postForm(h.app, fixture('onopenlinemessagedelete.form.txt'))
    expect(events().map((e) => [e.kind, e.messageId])).toEqual([
      ['added', 2057],
      ['deleted', 2057],
    ])
  })

  it('app lifecycle events are ignored after the token check, nothing stored', async () => {
    h = await buildReceiverApp()
    for (const name of ['onappinstall.form.txt', 'onappuninstall.form.txt']) {
      const res = await postForm(h.app, fixture(name))
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({
        ignored: 'app lifecycle events are handled in OAuth mode (not configured)',
      })
    }
    // ONAPPUPDATE carries a rotated token, which the hand-configured one does not match.
    expect((await postForm(h.app, fixture('onappupdate.form.txt'))).statusCode).toBe(401)
    expect((await postForm(h.app, withToken(fixture('onappuninstall.form.txt'), 'forged'))).statusCode).toBe(
      401,
    )
    expect(h.store.jobs).toEqual([])
  })

  it('a plugged-in handler replaces the lifecycle placeholder and gets the verified portal', async () => {
    const seen: string[] = []
    h = await buildReceiverApp({
      handlers: {
        ONAPPINSTALL: {
          always: true,
          parse: () => undefined,
          handle: (_p, portal) => {
            seen.push(portal.id)
            return { installed: true }
          },
        },
      },
    })
    const res = await postForm(h.app, fixture('onappinstall.form.txt'))
    expect(res.json()).toEqual({ installed: true })
    expect(seen).toEqual([MEMBER_ID])
  })
})

describe('receiver: authenticity', () => {
  it.each([
    [
      'wrong token',
      (b: string) => withToken(b, APP_TOKEN.replace('5185', '0000')),
      ErrorCodes.AUTH_TOKEN_MISMATCH,
    ],
    [
      'unknown member_id',
      (b: string) => b.replace(MEMBER_ID, 'b'.repeat(32)),
      // The same answer as a wrong token: a 401 does not tell whether a portal is served here.
      ErrorCodes.AUTH_TOKEN_MISMATCH,
    ],
    [
      'missing token',
      (b: string) => b.replace(`&auth%5Bapplication_token%5D=${APP_TOKEN}`, ''),
      ErrorCodes.AUTH_TOKEN_MISSING,
    ],
  ])('%s → 401, nothing stored, logged without secrets', async (_name, edit, code) => {
    h = await buildReceiverApp()
    const body = edit(fixture('onopenlinemessageupdate.docs.form.txt'))
    const res = await postForm(h.app, body)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ code })
    expect(h.store.jobs).toEqual([])
    const rejection = h.logs.find((l) => l.msg === 'event rejected' && 'reason' in l)
    expect(rejection).toMatchObject({ domain: DOMAIN, reason: expect.any(String) })
    expect(h.rawLogs()).not.toContain('fake-apptoken')
    expect(h.rawLogs()).not.toContain('fake-access')
  })

  it('matches a portal configured by domain only', async () => {
    h = await buildReceiverApp({ portals: [{ domain: DOMAIN.toUpperCase(), applicationToken: APP_TOKEN }] })
    const res = await postForm(h.app, fixture('onopenlinemessageupdate.docs.form.txt'))
    expect(res.json()).toEqual({ ok: true, queued: 1 })
    expect(h.store.jobs[0]?.group).toBe(DOMAIN)
  })

  it('checks the token before the connector filter: an unknown sender gets 401, not "ignored"', async () => {
    h = await buildReceiverApp({ config: { connectors: ['whatsappbyedna'] } })
    const res = await postForm(h.app, withToken(fixture('onopenlinemessageupdate.docs.form.txt'), 'forged'))
    expect(res.statusCode).toBe(401)
  })
})

describe('receiver: what is ignored', () => {
  it('a connector that is not routed → 200 ignored, nothing stored', async () => {
    h = await buildReceiverApp({ config: { connectors: ['whatsappbyedna'] } })
    const res = await postForm(h.app, fixture('onopenlinemessageupdate.docs.form.txt'))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ignored: 'connector telegrambot is not routed' })
    expect(h.store.jobs).toEqual([])
    await postForm(h.app, fixture('onopenlinemessageupdate.no-user-tokens.form.txt'))
    expect(events().map((e) => e.connector)).toEqual(['whatsappbyedna'])
  })

  it('an unknown event type, or one not in bitrix.events → 200 ignored, nothing stored', async () => {
    h = await buildReceiverApp({ config: { events: ['ONOPENLINEMESSAGEUPDATE'] } })
    const res = await postForm(h.app, fixture('onopenlinemessageadd.form.txt'))
    expect(res.json()).toEqual({ ignored: 'event type ONOPENLINEMESSAGEADD is not handled' })
    const crm = fixture('onopenlinemessageupdate.docs.form.txt').replace(
      'ONOPENLINEMESSAGEUPDATE',
      'ONCRMLEADADD',
    )
    expect((await postForm(h.app, crm)).json()).toEqual({ ignored: 'event type ONCRMLEADADD is not handled' })
    expect(h.store.jobs).toEqual([])
  })
})

describe('receiver: storage failure', () => {
  it('answers 503 with a JSON code when the durable write fails, so Bitrix24 records a failure', async () => {
    h = await buildReceiverApp()
    h.store.fail = new Error('SQLITE_FULL: database or disk is full')
    const res = await postForm(h.app, fixture('onopenlinemessageupdate.docs.form.txt'))
    expect(res.statusCode).toBe(503)
    expect(res.headers['content-type']).toContain('application/json')
    expect(res.json()).toMatchObject({ code: ErrorCodes.STORE_UNAVAILABLE, error: expect.any(String) })
    expect(res.body).not.toContain('SQLITE_FULL')
    expect(h.queued).toEqual([])
    expect(h.logs.some((l) => l.level === 50 && JSON.stringify(l).includes('SQLITE_FULL'))).toBe(true)
  })
})

describe('receiver: encapsulation', () => {
  it('keeps its parsers and error handler to itself: sibling routes keep fastify defaults', async () => {
    const app = Fastify()
    registerReceiver(app, {
      store: recordingStore(),
      portals: createPortalDirectory([]),
      logger: silentLogger(),
      config: { path: PATH, bodyLimit: 1024, parameterLimit: 10, depth: 4, connectors: [], events: [] },
    })
    app.post('/echo', async (request) => ({ got: request.body }))
    const sibling = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    })
    expect(sibling.json()).toEqual({ got: 'hi' })
    const receiver = await app.inject({
      method: 'POST',
      url: PATH,
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    })
    expect(receiver.statusCode).toBe(415)
    await app.close()
  })
})
