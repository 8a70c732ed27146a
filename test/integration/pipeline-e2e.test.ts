import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Bridge, fixturePortal, readFixture, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let sink: WebhookSink
let bridge: Bridge | undefined

beforeEach(async () => {
  sink = await startWebhookSink()
})
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await sink.close()
})

const open = async () => {
  bridge = await startBridge({ outputs: { 'hook.ops': { type: 'webhook', url: sink.url } } })
  return bridge
}

describe('every shared event fixture through the whole app (real SQLite)', () => {
  const cases: [file: string, status: number, queued: number, contentType?: string][] = [
    ['onopenlinemessageupdate.docs.form.txt', 200, 1],
    ['onopenlinemessageupdate.docs.json', 200, 1, 'application/json'],
    ['onopenlinemessageupdate.server.form.txt', 200, 1],
    ['onopenlinemessageupdate.no-user-tokens.form.txt', 200, 1],
    ['onopenlinemessageupdate.two-items.form.txt', 200, 2],
    ['onopenlinemessageadd.form.txt', 200, 1],
    ['onopenlinemessagedelete.form.txt', 200, 1],
    ['onappinstall.form.txt', 200, 0],
    ['onappuninstall.form.txt', 200, 0],
    // ONAPPUPDATE carries a NEW application token: without the OAuth install flow it is not trusted.
    ['onappupdate.form.txt', 401, 0],
  ]
  it.each(cases)('%s → HTTP %i, %i job(s) stored', async (file, status, queued, contentType) => {
    const b = await open()
    const res = await b.post(readFixture(file), contentType)
    expect(res.status).toBe(status)
    const stats = await b.app.store.stats('fetch')
    expect(stats.pending).toBe(queued)
  })

  it('a body with a wrong token stores nothing and answers 401', async () => {
    const b = await open()
    const forged = readFixture('onopenlinemessageupdate.docs.form.txt').replace(
      fixturePortal.applicationToken,
      'fake-apptoken-00000000000000',
    )
    const res = await b.post(forged)
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('BRG_ERR_AUTH_TOKEN_MISMATCH')
    expect((await b.app.store.stats('fetch')).pending).toBe(0)
  })
})

describe('an edit end to end', () => {
  it('mirrors the text read from Bitrix24, not the text the event carried', async () => {
    const b = await open()
    b.portal.addUser({ id: 7, name: 'Anna Petrova' })
    b.portal.setMessage({
      id: 2057,
      chatId: 1024,
      authorId: 7,
      text: 'Ships [b]on Monday[/b] & not <Friday>',
    })
    const res = await b.post(readFixture('onopenlinemessageupdate.server.form.txt'))
    expect(res).toEqual({ status: 200, body: { ok: true, queued: 1 } })
    await b.drain()
    const [delivery] = await sink.waitFor(1)
    expect(delivery?.body).toMatchObject({
      action: 'created',
      portal: fixturePortal.memberId,
      connector: 'telegrambot',
      line: 128,
      chatId: 1024,
      messageId: 2057,
      text: 'Ships on Monday & not <Friday>',
      bbcode: 'Ships [b]on Monday[/b] & not <Friday>',
      author: { id: 7, name: 'Anna Petrova' },
    })
    expect(delivery?.raw).not.toContain('tomorrow')
    const mirror = await b.app.store.getMirror(fixturePortal.memberId, 2057, 'hook.ops')
    expect(mirror?.text).toBe('Ships on Monday & not <Friday>')
  })

  it('does not mirror a message the id check cannot find, and says why (unreadable, not deleted)', async () => {
    const b = await open()
    b.portal.setMessage({ id: 2050, chatId: 1024, authorId: 7, text: 'an older message' })
    await b.post(readFixture('onopenlinemessageupdate.docs.form.txt')) // asks for 2056, which does not exist
    await b.drain()
    expect(sink.requests).toHaveLength(0)
    const log = await b.app.store.listDeliveries({ messageId: 2056 })
    expect(log[0]).toMatchObject({ status: 'skipped', action: 'read' })
    expect(log[0]?.detail).toContain('could not be read')
    expect(log[0]?.detail).not.toContain('deleted')
  })

  it('mirrors a server-shape edit the reader cannot see (joined later) as unverified, never as a delete', async () => {
    const b = await open()
    b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'Ships [b]on Monday[/b]' })
    await b.post(readFixture('onopenlinemessageupdate.server.form.txt'))
    await b.drain()
    await sink.waitFor(1)
    // The webhook user leaves and is re-added: it now sees the chat only from a later message.
    b.portal.setJoinedFrom(1024, 2100)
    await b.post(
      readFixture('onopenlinemessageupdate.server.form.txt').replace('ts=1714649700', 'ts=1714649800'),
    )
    await b.drain()
    const [, second] = await sink.waitFor(2)
    expect(second?.body).toMatchObject({ action: 'updated', unverified: true })
    expect(second?.body.text).toBe('Your order #4411 ships tomorrow & arrives <Friday>')
    expect(sink.requests.some((r) => r.body.action === 'deleted')).toBe(false)
  })

  it('uses the event text, marked unverified, when no read can see the message', async () => {
    const b = await open()
    b.portal.setMember(1024, false)
    b.portal.setHistoryAccess(false)
    await b.post(readFixture('onopenlinemessageupdate.server.form.txt'))
    await b.drain()
    const [delivery] = await sink.waitFor(1)
    expect(delivery?.body.text).toBe('Your order #4411 ships tomorrow & arrives <Friday>')
    expect(delivery?.body.unverified).toBe(true)
    const log = await b.app.store.listDeliveries({ messageId: 2057, output: 'hook.ops' })
    expect(log[0]).toMatchObject({ status: 'delivered', unverified: true })
  })

  it('fails the job with the missing right named when nothing can be read and the event had no text', async () => {
    const b = await open()
    b.portal.setMember(1024, false)
    b.portal.setHistoryAccess(false)
    await b.post(readFixture('onopenlinemessageupdate.docs.form.txt'))
    await b.drain()
    expect(sink.requests).toHaveLength(0)
    const [dead] = await b.app.store.listDead('fetch')
    expect(dead?.reason).toMatch(/member of chat 1024/)
    expect(dead?.reason).toMatch(/history/)
  })
})

describe('Bitrix24 pauses the read method (OPERATION_TIME_LIMIT)', () => {
  it('the job waits for operating_reset_at without spending an attempt, and is never dead-lettered', async () => {
    bridge = await startBridge({
      outputs: { 'hook.ops': { type: 'webhook', url: sink.url } },
      pipeline: { maxAttempts: 1 },
    })
    const b = bridge
    const resetAt = Math.floor(Date.now() / 1000) + 300
    // A first read tells the bridge when the oldest basket resets (operating_reset_at)…
    b.portal.setOperating('im.dialog.messages.get', 300, resetAt)
    await b.post(readFixture('onopenlinemessageupdate.server.form.txt'))
    await b.drain()
    // …then the method goes over its budget.
    b.portal.setOperating('im.dialog.messages.get', 480, resetAt)
    await b.post(readFixture('onopenlinemessageupdate.docs.form.txt'))
    await b.drain()
    await b.drain()
    expect(await b.app.store.stats('fetch')).toMatchObject({ pending: 1, dead: 0 })
    const [entry] = await b.app.store.listDeliveries({ messageId: 2056 })
    expect(entry).toMatchObject({ status: 'failed', action: 'read' })
    expect(entry?.detail).toContain(`paused until ${new Date(resetAt * 1000 + 1000).toISOString()}`)
    expect(entry?.detail).toContain('not counted as an attempt')
    expect(entry?.detail).not.toContain('rateLimit')
  })
})
