import { createServer } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import emailPlugin, { type EmailRef } from '../../plugins/email/index.js'
import type { OutputPlugin } from '../../src/plugins/api.js'
import { parseBbCode } from '../../src/render/parse-bbcode.js'
import { renderPlain } from '../../src/render/render-plain.js'
import { createPlugin, outputFailure } from '../support/plugin-under-test.js'
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js'
import { checkHtml } from '../unit/plugins/email/html-check.js'
import { makeMessage } from '../unit/plugins/make-message.js'
import { loadSamples } from '../unit/render/samples.js'

let sink: SmtpSink
const plugins: OutputPlugin[] = []

beforeEach(async () => {
  sink = await startSmtpSink()
})

afterEach(async () => {
  for (const plugin of plugins.splice(0)) await plugin.stop?.()
  await sink.close()
})

function create(
  options: Record<string, unknown> = {},
  smtp: Record<string, unknown> = {},
  id = 'email.support',
): OutputPlugin {
  const all = {
    smtp: { host: sink.host, port: sink.port, ...smtp },
    from: 'Open lines <bridge@example.com>',
    to: ['support@example.com'],
    cc: ['lead@example.com'],
    ...options,
  }
  // Through the schema, as createOutputs does, so the documented defaults apply.
  const plugin = createPlugin(emailPlugin, id, all)
  plugins.push(plugin)
  return plugin
}

const failure = outputFailure

const text = (value: string) => ({ ast: [{ type: 'text' as const, text: value }], plainText: value })
const subject = '[Open line 128 · telegrambot] Chat 1024'

describe('email output over SMTP', () => {
  it('starts a thread: generated Message-ID, subject from the template, addresses, text and HTML parts', async () => {
    const ref = (await create().send(makeMessage({ kind: 'added' }))) as EmailRef
    expect(sink.mails).toHaveLength(1)
    const mail = sink.mails[0]!.parsed
    const id = mail.header('message-id')!
    expect(id).toMatch(/^<olb\.demo-member\.1024\.2057\.[0-9a-f]{16}@example\.com>$/)
    expect(ref).toEqual({ messageId: id, references: [id], subject })
    expect(mail.header('subject')).toBe(subject)
    expect(mail.header('from')).toBe('Open lines <bridge@example.com>')
    expect(mail.header('to')).toBe('support@example.com')
    expect(mail.header('cc')).toBe('lead@example.com')
    expect(mail.header('in-reply-to')).toBeUndefined()
    expect(mail.header('auto-submitted')).toBe('auto-generated')
    expect(sink.mails[0]!.envelope).toEqual({
      from: 'bridge@example.com',
      to: ['support@example.com', 'lead@example.com'],
    })
    expect(mail.contentType).toBe('multipart/alternative')
    expect(mail.parts.map((p) => p.contentType)).toEqual(['text/plain', 'text/html'])
    expect(mail.part('text/plain')).toContain('Hello, Ivan\nsee the docs (https://example.com/a?b=1&c=2)')
    const html = mail.part('text/html')!
    expect(html).toContain(
      'Hello, <b>Ivan</b><br>see <a href="https://example.com/a?b=1&amp;c=2">the docs</a>',
    )
    expect(checkHtml(html)).toEqual([])
  })

  it('threads edits: In-Reply-To the newest mail, References the whole thread, same subject', async () => {
    const plugin = create()
    const first = (await plugin.send(makeMessage({ kind: 'added', ...text('Ships today') }))) as EmailRef
    const second = (await plugin.update(
      first,
      makeMessage({ ...text('Ships tomorrow'), previousText: 'Ships today' }),
    )) as EmailRef
    const edit = sink.mails[1]!.parsed
    const editId = edit.header('message-id')!
    expect(edit.header('in-reply-to')).toBe(first.messageId)
    expect(edit.header('references')).toBe(first.messageId)
    expect(edit.header('subject')).toBe(subject)
    expect(edit.part('text/html')).toContain('Ships tomorrow <span style="color:#6b6b6b">(edited)</span>')
    expect(edit.part('text/html')).toContain('<del>Ships today</del>')
    expect(edit.part('text/plain')).toContain('Ships tomorrow (edited)\n\nwas:\n  Ships today')
    expect(second).toEqual({ messageId: first.messageId, references: [first.messageId, editId], subject })

    const third = (await plugin.update(
      second,
      makeMessage({ ...text('Ships Friday'), previousText: 'Ships tomorrow' }),
    )) as EmailRef
    const again = sink.mails[2]!.parsed
    expect(again.header('in-reply-to')).toBe(editId)
    expect(again.header('references')).toBe(`${first.messageId} ${editId}`)
    expect(third.references).toEqual([first.messageId, editId, again.header('message-id')])
  })

  it('a follow-up resent after a crash has the same Message-ID; another edit or output gets another', async () => {
    const plugin = create()
    const first = (await plugin.send(makeMessage({ kind: 'added', ...text('Ships today') }))) as EmailRef
    const edit = makeMessage({
      ...text('Ships tomorrow'),
      previousText: 'Ships today',
      editedAt: '2024-05-02T11:33:00.000Z',
    })
    // The bridge crashed after the server took the follow-up: the job runs again from the same ref.
    await plugin.update(first, edit)
    await plugin.update(first, edit)
    const ids = () => sink.mails.map((m) => m.parsed.header('message-id')!)
    expect(ids()[1]).toMatch(/^<olb\.demo-member\.1024\.2057\.[0-9a-f]{16}@example\.com>$/)
    expect(ids()[2]).toBe(ids()[1])

    // Back to the first text in a later edit (another version), and a deletion: new mails.
    await plugin.update(first, { ...edit, ...text('Ships today'), editedAt: '2024-05-02T11:40:00.000Z' })
    await plugin.delete!(first, makeMessage({ kind: 'deleted', ...text(''), previousText: 'Ships today' }))
    // The same edit mirrored by a second email output is another mail.
    await create({}, {}, 'email.audit').update(first, edit)
    expect(new Set(ids()).size).toBe(ids().length - 1)
  })

  it('keeps the subject the thread started with, even after the template changes', async () => {
    const ref = await create({ subjectTemplate: '{domain} #{messageId} ({portal})' }).send(makeMessage())
    expect(sink.mails[0]!.parsed.header('subject')).toBe('demo.bitrix24.com #2057 (demo-member)')
    await create().update(ref, makeMessage(text('v2')))
    expect(sink.mails[1]!.parsed.header('subject')).toBe('demo.bitrix24.com #2057 (demo-member)')
  })

  it('mails a deletion as a follow-up showing the deleted text, by delete() or a struck update()', async () => {
    const plugin = create()
    const ref = (await plugin.send(makeMessage({ kind: 'added', ...text('Call me at 5') }))) as EmailRef
    await plugin.delete?.(
      ref,
      makeMessage({ kind: 'deleted', ast: [], plainText: '', previousText: 'Call me at 5' }),
    )
    const deleted = sink.mails[1]!.parsed
    expect(deleted.header('in-reply-to')).toBe(ref.messageId)
    expect(deleted.header('subject')).toBe(subject)
    expect(deleted.part('text/plain')).toContain('This message was deleted.\n\nwas:\n  Call me at 5')
    expect(deleted.part('text/html')).toContain('<del>Call me at 5</del>')

    const struck = makeMessage({
      kind: 'deleted',
      ast: [{ type: 'strike', children: [{ type: 'text', text: 'Call me at 5' }] }],
      plainText: 'Call me at 5',
      previousText: 'Call me at 5',
    })
    const next = (await plugin.update(ref, struck)) as EmailRef
    expect(sink.mails[2]!.parsed.part('text/plain')).toContain('This message was deleted.')
    expect(next.references).toHaveLength(2)
  })

  it('answers gone for a stored ref that is not an email thread, so the pipeline sends anew', async () => {
    const err = await failure(create().update({ channel: 'C1', ts: '1.2' }, makeMessage()))
    expect(err.reason).toBe('gone')
    expect(sink.mails).toHaveLength(0)
  })

  it('carries markup-looking text and non-Latin text safely through the wire encoding', async () => {
    const samples = loadSamples()
    for (const title of [
      'plain with characters that every target escapes differently',
      'emoji and non-latin text',
    ]) {
      const ast = parseBbCode(samples.get(title)!)
      await create().send(makeMessage({ ast, plainText: renderPlain(ast) }))
    }
    const [chars, emoji] = sink.mails.map((m) => m.parsed)
    const html = chars!.part('text/html')!
    expect(checkHtml(html)).toEqual([])
    expect(html).toContain('Price &lt; 100 &amp; &gt; 50 — &quot;quoted&quot; &#39;single&#39;')
    expect(html).toContain('&lt;b&gt;not html&lt;/b&gt;')
    expect(chars!.part('text/plain')).toContain('Price < 100 & > 50')
    expect(emoji!.part('text/plain')).toContain('Заказ №4411 отправлен 🚚 завтра, 谢谢 ✅')
    expect(emoji!.part('text/html')).toContain('Заказ №4411 отправлен 🚚 завтра, 谢谢 ✅')
  })
})

describe('email output start() and SMTP failures', () => {
  it('start() verifies the server and the login', async () => {
    sink.requireLogin('bot@example.com', 'right')
    await expect(
      create({}, { auth: { user: 'bot@example.com', pass: 'right' } }).start?.(),
    ).resolves.toBeUndefined()
    const err = await failure(create({}, { auth: { user: 'bot@example.com', pass: 'wrong' } }).start!())
    expect(err.reason).toBe('auth')
    expect(err.message).toContain(`SMTP server 127.0.0.1:${sink.port} refused to log in as "bot@example.com"`)
    expect(err.message).toContain('535')
    expect(err.message).not.toContain('wrong')
  })

  it('start() against a port nobody listens on fails as transient, saying what to check', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as { port: number }
    await new Promise((resolve) => probe.close(resolve))
    const err = await failure(create({}, { port }).start!())
    expect(err.reason).toBe('transient')
    expect(err.message).toContain('connection refused; check smtp.host and smtp.port')
  })

  it('a 451 reply to DATA is transient (retried), the next attempt goes through', async () => {
    sink.failNextData(451, '4.3.0 Temporary local problem')
    const plugin = create()
    const err = await failure(plugin.send(makeMessage()))
    expect(err.reason).toBe('transient')
    expect(err.message).toContain('451')
    await plugin.send(makeMessage())
    expect(sink.mails).toHaveLength(1)
  })

  it('a 550 for every recipient is invalid (not retried) and names the addresses to check', async () => {
    sink.rejectRecipient('support@example.com')
    sink.rejectRecipient('lead@example.com')
    const err = await failure(create().send(makeMessage()))
    expect(err.reason).toBe('invalid')
    expect(err.message).toContain('550')
    expect(err.message).toContain('check the addresses in to and cc')
  })

  it('a 550 for one recipient still delivers to the others', async () => {
    sink.rejectRecipient('lead@example.com')
    const ref = await create().send(makeMessage())
    expect(ref).toMatchObject({ subject })
    expect(sink.mails[0]!.envelope.to).toEqual(['support@example.com'])
  })
})

/** Polls until `done()`; the bound only catches a hang. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('email output pooled SMTP transport', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => makeMessage({ kind: 'added', messageId: 3000 + i }))

  it('sends many mails and follow-ups over one connection, and closes it on stop', async () => {
    const plugin = create()
    const refs = await Promise.all(many(6).map((msg) => plugin.send(msg)))
    await plugin.update(refs[0], makeMessage({ messageId: 3000, ...text('edited') }))
    expect(sink.mails).toHaveLength(7)
    expect(sink.connections()).toBe(1)
    expect(sink.openConnections()).toBe(1)
    await plugin.stop!()
    await until(() => sink.openConnections() === 0, 'the pooled connection to close')
  })

  it('maxConnections sends that many at a time, over that many connections at most', async () => {
    const plugin = create({}, { maxConnections: 2 })
    await Promise.all(many(8).map((msg) => plugin.send(msg)))
    expect(sink.mails).toHaveLength(8)
    expect(sink.connections()).toBeGreaterThan(0)
    expect(sink.connections()).toBeLessThanOrEqual(2)
  })

  it('keeps using the pool after a refused mail', async () => {
    sink.failNextData(451, '4.3.0 Temporary local problem')
    const plugin = create()
    expect((await failure(plugin.send(makeMessage()))).reason).toBe('transient')
    await Promise.all(many(3).map((msg) => plugin.send(msg)))
    expect(sink.mails).toHaveLength(3)
    expect(sink.connections()).toBeLessThan(4)
  })

  it('pool: false opens one connection per mail', async () => {
    const plugin = create({}, { pool: false })
    for (const msg of many(3)) await plugin.send(msg)
    expect(sink.mails).toHaveLength(3)
    expect(sink.connections()).toBe(3)
  })
})
