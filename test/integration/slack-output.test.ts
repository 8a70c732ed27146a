import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import slackPlugin from '../../plugins/slack/index.js'
import type { SlackRef } from '../../plugins/slack/ref.js'
import type { MirrorMessage } from '../../src/model.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import { parseBbCode } from '../../src/render/index.js'
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js'
import { createPlugin, outputFailure } from '../support/plugin-under-test.js'
import { visibleMrkdwn } from '../support/render-mrkdwn.js'
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
      'Slack rejected the token for output slack.support: invalid_auth — create a bot token with chat:write and set outputs["slack.support"].token',
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
      parse: 'none',
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
      parse: 'none',
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

  it('an edit renders exactly like the post: parse none on chat.update as on chat.postMessage', async () => {
    const plugin = create()
    const bbcode = 'read [url=https://example.com/a?b=1&c=2]the docs[/url] or https://example.com/raw'
    const ref = await plugin.send(bbMessage(bbcode, { kind: 'added' }))
    const posted = slack.messages('C0SUPPORT')[0]!.text
    // The same text again, as an edit without the marker: Slack must store what the post stored.
    await createPlugin(slackPlugin, 'slack.support', {
      token: 'xoxb-good',
      channel: '#support',
      apiUrl: slack.apiUrl,
      ratePerSecond: 1000,
      editMarker: '',
    }).update(ref, bbMessage(bbcode))
    expect(slack.messages('C0SUPPORT')[0]!.text).toBe(posted)
    expect(slack.callsTo('chat.update')[0]!.body.parse).toBe('none')
    expect(slack.callsTo('chat.postMessage')[0]!.body.parse).toBe('none')
    expect(slack.rendered('C0SUPPORT')[0]).toContain('<a href="https://example.com/a?b=1&c=2">the docs</a>')
  })

  it('shows * _ ~ and backticks typed in a chat as typed, in posts and edits', async () => {
    const plugin = create()
    const typed = 'price 2*3*4, file_name_v2 and _snake_case_, ~approx~ *stars* `cmd`'
    const ref = await plugin.send(bbMessage(`${typed} [b]bold[/b]`, { kind: 'added' }))
    // What a reader sees: only the bridge's own bold; every typed marker shows as typed.
    const shown = () => slack.rendered('C0SUPPORT')[0]!.replaceAll('\u2060', '')
    expect(shown()).toBe(`<b>Anna Petrova:</b>\n${typed} <b>bold</b>`)
    expect(visibleMrkdwn(slack.messages('C0SUPPORT')[0]!.text)).toBe(`Anna Petrova:\n${typed} bold`)

    await plugin.update(ref, bbMessage(`[i]${typed}[/i]`))
    expect(shown()).toBe(`<b>Anna Petrova:</b>\n<i>${typed}</i> <i>(edited)</i>`)
    expect(mrkdwnProblems(slack.messages('C0SUPPORT')[0]!.text)).toEqual([])
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

describe('slack recover: finding a mirror an interrupted send made', () => {
  const key = '6f1c2a9e-0d4b-4c1e-9a57-3b2f8e4d1c70'
  const tagged = (bbcode: string) => bbMessage(bbcode, { kind: 'added', idempotencyKey: key })

  it('tags every posted part with the key, the message and the part index', async () => {
    const ref = (await create({ maxTextLength: 200 }).send(tagged('word '.repeat(100)))) as SlackRef
    expect(ref.ts.length).toBeGreaterThan(1)
    const [first] = slack.callsTo('chat.postMessage')
    expect(JSON.parse(first!.body.metadata!)).toEqual({
      event_type: 'openline_mirror',
      event_payload: { key, portal: 'demo-member', message_id: 2057, part: 0 },
    })
    expect(slack.messages('C0SUPPORT').map((m) => m.metadata?.event_payload)).toEqual(
      ref.ts.map((_, part) => ({ key, portal: 'demo-member', message_id: 2057, part })),
    )
  })

  it('posts no metadata without a key', async () => {
    await create().send(bbMessage('hi', { kind: 'added' }))
    expect(slack.callsTo('chat.postMessage')[0]!.body.metadata).toBeUndefined()
  })

  it('after a restart finds the mirror by key among other messages, and update edits it in place', async () => {
    await create().send(bbMessage('someone else', { kind: 'added', idempotencyKey: 'other-key' }))
    const sent = await create({ channel: 'C0SUPPORT' }).send(tagged('first'))
    await create().send(bbMessage('untagged', { kind: 'added' }))

    const restarted = create({ channel: 'C0SUPPORT' })
    const found = await restarted.recover?.(key, tagged('first'))
    expect(found).toEqual(sent)
    const [history] = slack.callsTo('conversations.history')
    expect(history!.body).toMatchObject({ channel: 'C0SUPPORT', include_all_metadata: 'true', limit: '100' })

    await restarted.update(found, bbMessage('first, edited'))
    expect(slack.callsTo('chat.postMessage')).toHaveLength(3)
    expect(
      slack
        .messages('C0SUPPORT')
        .filter((m) => m.edited)
        .map((m) => m.ts),
    ).toEqual((sent as SlackRef).ts)
  })

  it('recovers every part of a split mirror in order, so the edit posts nothing again', async () => {
    const plugin = create({ channel: 'C0SUPPORT', maxTextLength: 200 })
    const sent = (await plugin.send(tagged('word '.repeat(100)))) as SlackRef
    const found = await create({ channel: 'C0SUPPORT', maxTextLength: 200 }).recover?.(key, tagged(''))
    expect(found).toEqual(sent)
    await plugin.update(found, bbMessage('word '.repeat(100)))
    expect(slack.callsTo('chat.postMessage')).toHaveLength(sent.ts.length)
  })

  it('after a send that failed halfway, recovers the parts posted and posts only the rest', async () => {
    const plugin = create({ channel: 'C0SUPPORT', maxTextLength: 200 })
    const msg = tagged('word '.repeat(100))
    const sent = (await plugin.send(msg)) as SlackRef
    const texts = slack.messages('C0SUPPORT').map((m) => m.text)
    // As if posting the third part had failed: only the first two are in the channel.
    for (const ts of sent.ts.slice(2)) slack.removeMessage('C0SUPPORT', ts)
    const found = await plugin.recover?.(key, msg)
    expect(found).toEqual({ channel: 'C0SUPPORT', ts: sent.ts.slice(0, 2) })
    await plugin.update(found, msg)
    expect(slack.messages('C0SUPPORT').map((m) => m.text)).toEqual(texts)
  })

  it('uses the channel ID Slack answered with when the config names the channel', async () => {
    const plugin = create({ channel: '#support' })
    const sent = await plugin.send(tagged('hi'))
    expect(await plugin.recover?.(key, tagged('hi'))).toEqual(sent)
  })

  it('answers undefined for an unknown key, a token without history scope, or a channel name', async () => {
    await create().send(tagged('hi'))
    expect(await create({ channel: 'C0SUPPORT' }).recover?.('unknown-key', tagged('hi'))).toBeUndefined()
    // After a restart, `#support` cannot be searched: conversations.history takes only IDs.
    expect(await create({ channel: '#support' }).recover?.(key, tagged('hi'))).toBeUndefined()
    expect(slack.callsTo('conversations.history').map((c) => c.answer)).toEqual(['ok', 'channel_not_found'])

    const scopeless = await startFakeSlack({ token: 'xoxb-good', readHistory: false })
    try {
      const plugin = createPlugin(slackPlugin, 'slack.support', {
        token: 'xoxb-good',
        channel: 'C0SUPPORT',
        apiUrl: scopeless.apiUrl,
      })
      await plugin.send(tagged('hi'))
      expect(await plugin.recover?.(key, tagged('hi'))).toBeUndefined()
      expect(scopeless.callsTo('conversations.history').map((c) => c.answer)).toEqual(['missing_scope'])
    } finally {
      await scopeless.close()
    }
  })

  it('throws on a transient failure instead of letting the send repeat', async () => {
    await create().send(tagged('hi'))
    slack.failHttp(503, { method: 'conversations.history' })
    expect((await failure(create({ channel: 'C0SUPPORT' }).recover!(key, tagged('hi')))).reason).toBe(
      'transient',
    )
  })
})
