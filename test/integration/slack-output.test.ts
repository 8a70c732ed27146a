import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import slackPlugin from '../../plugins/slack/index.js'
import type { SlackRef } from '../../plugins/slack/ref.js'
import type { MirrorMessage } from '../../src/model.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import { parseBbCode } from '../../src/render/index.js'
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js'
import { createPlugin, outputFailure } from '../support/plugin-under-test.js'
import { makeMessage } from '../unit/plugins/make-message.js'
import { mrkdwnProblems } from '../unit/plugins/slack/check-mrkdwn.js'

let slack: FakeSlack

beforeEach(async () => {
  slack = await startFakeSlack({
    token: 'xoxb-good',
    channels: [
      { id: 'C0SUPPORT', name: 'support' },
      { id: 'C0OUTSIDE', name: 'outside', member: false },
    ],
  })
})

afterEach(async () => {
  await slack.close()
})

function create(options: Record<string, unknown> = {}): OutputPlugin {
  const raw = {
    token: 'xoxb-good',
    channel: '#support',
    apiUrl: slack.apiUrl,
    ratePerSecond: 1000,
    ...options,
  }
  // Through the schema, as createOutputs does, so the documented defaults apply.
  return createPlugin(slackPlugin, 'slack.support', raw)
}

const failure = outputFailure

const bbMessage = (bbcode: string, overrides: Partial<MirrorMessage> = {}): MirrorMessage =>
  makeMessage({ ast: parseBbCode(bbcode), bbcode, ...overrides })

describe('slack output against a fake Slack Web API', () => {
  it('start() checks the token with auth.test', async () => {
    await create().start?.()
    expect(slack.calls.map((c) => [c.method, c.token])).toEqual([['auth.test', 'xoxb-good']])
  })

  it('start() with a bad token fails with auth and says what to do', async () => {
    const err = await failure(create({ token: 'xoxb-revoked' }).start?.() ?? Promise.resolve())
    expect(err.reason).toBe('auth')
    expect(err.message).toBe(
      'Slack rejected the token for output slack.support: invalid_auth — create a bot token with chat:write and set outputs.slack.support.token',
    )
  })

  it('posts mrkdwn with escaping and no unfurling, and keeps the channel ID and ts as the ref', async () => {
    const plugin = create({ username: 'Bitrix24', iconUrl: 'https://x.test/i.png' })
    const ref = await plugin.send(
      bbMessage('Price < 100 & [b]fast[/b] [USER=12]Ivan Orlov[/USER] <@U1>', { kind: 'added' }),
    )
    expect(ref).toEqual({ channel: 'C0SUPPORT', ts: ['1714649632.000101'] })
    const [call] = slack.callsTo('chat.postMessage')
    expect(call!.token).toBe('xoxb-good')
    expect(call!.contentType).toContain('application/x-www-form-urlencoded')
    expect(call!.body).toEqual({
      channel: '#support',
      text: '*Anna Petrova:*\nPrice &lt; 100 &amp; *fast* Ivan Orlov &lt;@U1&gt;',
      mrkdwn: 'true',
      unfurl_links: 'false',
      username: 'Bitrix24',
      icon_url: 'https://x.test/i.png',
    })
    expect(slack.messages('C0SUPPORT').map((m) => m.text)).toEqual([call!.body.text])
  })

  it('edits the mirror in place with chat.update on the stored channel and ts', async () => {
    const plugin = create()
    const ref = await plugin.send(bbMessage('first', { kind: 'added' }))
    const next = await plugin.update(ref, bbMessage('second [i]try[/i]'))
    expect(next).toEqual(ref)
    const [call] = slack.callsTo('chat.update')
    expect(call!.body).toEqual({
      channel: 'C0SUPPORT',
      ts: '1714649632.000101',
      text: '*Anna Petrova:*\nsecond _try_ _(edited)_',
    })
    expect(slack.messages('C0SUPPORT')).toEqual([
      { ts: '1714649632.000101', text: call!.body.text, edited: true },
    ])
  })

  it('deletes every part, and a part that is already gone counts as deleted', async () => {
    const plugin = create({ maxTextLength: 200 })
    const ref = (await plugin.send(bbMessage('word '.repeat(100), { kind: 'added' }))) as SlackRef
    expect(ref.ts.length).toBeGreaterThan(1)
    slack.removeMessage('C0SUPPORT', ref.ts[0]!)
    await plugin.delete?.(ref, bbMessage('', { kind: 'deleted' }))
    expect(slack.callsTo('chat.delete').map((c) => c.body.ts)).toEqual(ref.ts)
    expect(slack.messages('C0SUPPORT')).toEqual([])
  })

  it('maps a 429 to rate-limited with Retry-After, making exactly one request', async () => {
    slack.rateLimit(30, { forMs: 60_000 })
    const err = await failure(create().send(bbMessage('hi')))
    expect(err.reason).toBe('rate-limited')
    expect(err.retryAfterMs).toBe(30_000)
    expect(slack.calls.map((c) => c.answer)).toEqual(['429'])
  })

  it('maps message_not_found on update to gone, so the pipeline can post anew', async () => {
    const plugin = create()
    const ref = (await plugin.send(bbMessage('hi', { kind: 'added' }))) as SlackRef
    slack.removeMessage('C0SUPPORT', ref.ts[0]!)
    expect((await failure(plugin.update(ref, bbMessage('edited')))).reason).toBe('gone')
  })

  it('maps edit_window_closed to gone', async () => {
    const plugin = create()
    const ref = await plugin.send(bbMessage('hi', { kind: 'added' }))
    slack.failNext('edit_window_closed', { method: 'chat.update' })
    expect((await failure(plugin.update(ref, bbMessage('edited')))).reason).toBe('gone')
  })

  it('fails without retrying for an unknown channel or one the bot is not in', async () => {
    const missing = await failure(create({ channel: '#nowhere' }).send(bbMessage('hi')))
    expect(missing.reason).toBe('invalid')
    expect(missing.message).toContain('channel ID')
    const outside = await failure(create({ channel: 'C0OUTSIDE' }).send(bbMessage('hi')))
    expect(outside.reason).toBe('invalid')
    expect(outside.message).toContain('/invite')
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2)
  })

  it('maps Slack 5xx answers and refused connections to transient without client retries', async () => {
    slack.failHttp(503)
    expect((await failure(create().send(bbMessage('hi')))).reason).toBe('transient')
    expect(slack.calls).toHaveLength(1)
    const plugin = create()
    await slack.close()
    expect((await failure(plugin.send(bbMessage('hi')))).reason).toBe('transient')
  })

  it('posts a 100,000-character message as parts of at most 40,000 characters', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}: [b]bold[/b] & <tag> ${'x'.repeat(16)}`)
    const ref = (await create().send(bbMessage(lines.join('[br]'), { kind: 'added' }))) as SlackRef
    const posted = slack.callsTo('chat.postMessage').map((c) => c.body.text!)
    expect(posted.join('\n').length).toBeGreaterThan(100_000)
    expect(ref.ts).toHaveLength(posted.length)
    expect(posted.length).toBe(3)
    for (const text of posted) {
      expect(text.length).toBeLessThanOrEqual(40_000)
      expect(mrkdwnProblems(text)).toEqual([])
    }
    expect(posted[0]).toMatch(/^\*Anna Petrova:\*\nline 0: \*bold\* &amp; &lt;tag&gt;/)
    expect(posted[2]).toMatch(/line 1999: \*bold\* &amp; &lt;tag&gt; x{16}$/)
  })

  it('deletes surplus parts when an edit gets shorter and adds parts when it gets longer', async () => {
    const plugin = create({ maxTextLength: 300 })
    const long = (n: number) =>
      bbMessage(Array.from({ length: n }, (_, i) => `line ${i} ${'y'.repeat(40)}`).join('[br]'))
    const ref = (await plugin.send(long(20))) as SlackRef
    expect(ref.ts.length).toBe(4)

    const shorter = (await plugin.update(ref, long(6))) as SlackRef
    expect(shorter.ts).toEqual(ref.ts.slice(0, 2))
    expect(slack.callsTo('chat.update').map((c) => c.body.ts)).toEqual(ref.ts.slice(0, 2))
    expect(slack.callsTo('chat.delete').map((c) => c.body.ts)).toEqual(ref.ts.slice(2))

    const longer = (await plugin.update(shorter, long(30))) as SlackRef
    expect(longer.ts.slice(0, 2)).toEqual(shorter.ts)
    expect(longer.ts.length).toBeGreaterThan(4)
    const texts = slack.messages('C0SUPPORT').map((m) => m.text)
    expect(slack.messages('C0SUPPORT').map((m) => m.ts)).toEqual(longer.ts)
    expect(texts.join('\n')).toContain('line 29 ')
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(300)
  })

  it('strikes a deleted message through under policy strike (update with kind deleted)', async () => {
    const plugin = create()
    const ref = await plugin.send(bbMessage('see you', { kind: 'added' }))
    const struck = bbMessage('', {
      kind: 'deleted',
      ast: [{ type: 'strike', children: [{ type: 'text', text: 'see you' }] }],
    })
    await plugin.update(ref, struck)
    expect(slack.messages('C0SUPPORT')[0]!.text).toBe('*Anna Petrova:*\n~see you~ _(deleted)_')
  })

  it('treats a ref that is not a Slack ref as gone', async () => {
    expect((await failure(create().update({ id: 'x' }, bbMessage('hi')))).reason).toBe('gone')
    expect(slack.calls).toEqual([])
  })
})
