import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, eventually, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js'
import { FakeTelegram } from '../support/fake-telegram.js'
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js'

let slack: FakeSlack
let telegram: FakeTelegram
let smtp: SmtpSink
let bridge: Bridge | undefined

beforeEach(async () => {
  slack = await startFakeSlack({ token: 'xoxb-good', channels: [{ id: 'C0SUPPORT', name: 'support' }] })
  telegram = await FakeTelegram.start()
  smtp = await startSmtpSink()
})
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await Promise.all([slack.close(), telegram.close(), smtp.close()])
})

describe('outputs are independent', () => {
  it('delivers to Telegram and email at once while Slack answers 429 Retry-After: 30', async () => {
    bridge = await startBridge({
      outputs: {
        'slack.support': {
          type: 'slack',
          token: 'xoxb-good',
          channel: 'C0SUPPORT',
          apiUrl: slack.apiUrl,
          ratePerSecond: 100,
        },
        'telegram.ops': {
          type: 'telegram',
          token: telegram.token,
          chatId: '-1001234567890',
          apiRoot: telegram.apiRoot,
          limits: { perChatPerSecond: 100, perGroupPerMinute: 1000, perBotPerSecond: 100 },
        },
        'email.audit': {
          type: 'email',
          smtp: { host: smtp.host, port: smtp.port },
          from: 'bridge@example.com',
          to: ['audit@example.com'],
        },
      },
      startWorkers: true,
    })
    const b = bridge
    slack.rateLimit(30, { method: 'chat.postMessage', forMs: 60_000 })
    const N = 3
    for (let id = 1; id <= N; id++)
      b.portal.setMessage({ id, chatId: 1024, authorId: 7, text: `hello [b]${id}[/b]` })
    const posted = Date.now()
    for (let id = 1; id <= N; id++)
      expect(
        (await b.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: id }], { ts: 1000 }))).status,
      ).toBe(200)

    // Telegram keeps the chat as one reply chain: its header message, then the N messages.
    await eventually(
      () => telegram.messages('-1001234567890').length === N + 1 && smtp.mails.length === N,
      'telegram and email delivered',
      10_000,
    )
    const othersDone = Date.now() - posted

    // Slack was asked once, answered 429, and is left alone until Retry-After has passed.
    const slackCalls = slack.callsTo('chat.postMessage')
    expect(slackCalls.length).toBeGreaterThanOrEqual(1)
    const log = await b.app.store.listDeliveries({ output: 'slack.support', limit: 10 })
    expect(
      log.some(
        (e) => e.status === 'failed' && e.action === 'rate-limited' && /30000 ms/.test(e.detail ?? ''),
      ),
    ).toBe(true)
    const callsBefore = slackCalls.length
    await new Promise((r) => setTimeout(r, 300))
    expect(slack.callsTo('chat.postMessage').length).toBe(callsBefore)
    const pending = await b.app.store.stats('deliver')
    expect(pending.pending).toBe(N)
    process.stdout.write(
      `isolation: telegram and email delivered ${N}+${N} in ${othersDone} ms while slack waits 30 s\n`,
    )
  })
})
