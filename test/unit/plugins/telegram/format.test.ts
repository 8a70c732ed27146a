import { describe, expect, it } from 'vitest'
import type { FormatSettings } from '../../../../plugins/telegram/format.js'
import { renderParts } from '../../../../plugins/telegram/index.js'
import type { MirrorMessage } from '../../../../src/model.js'
import type { BbNode } from '../../../../src/render/ast.js'
import { parseTelegramHtml } from '../../../support/fake-telegram-html.js'
import { makeMessage } from '../make-message.js'

const plain: FormatSettings = { showAuthor: false, editMarker: '(edited)', showEditedBy: false }

/** The single Telegram HTML message for `ast` (checked to parse as Telegram would). */
function html(ast: BbNode[], overrides: Partial<MirrorMessage> = {}, settings = plain): string {
  const parts = renderParts(makeMessage({ ast, kind: 'added', ...overrides }), settings)
  expect(parts).toHaveLength(1)
  parseTelegramHtml(parts[0]!)
  return parts[0]!
}

const text = (t: string): BbNode => ({ type: 'text', text: t })

describe('telegram HTML format', () => {
  it('escapes & < > so typed markup stays text', () => {
    expect(html([text('Price < 100 & > 50 <b>not html</b> &amp;')])).toBe(
      'Price &lt; 100 &amp; &gt; 50 &lt;b&gt;not html&lt;/b&gt; &amp;amp;',
    )
  })

  it('renders styles, quotes and line breaks with the tags Telegram knows, newlines as text', () => {
    const out = html([
      { type: 'bold', children: [text('b '), { type: 'italic', children: [text('i')] }] },
      { type: 'underline', children: [text('u')] },
      { type: 'strike', children: [text('s')] },
      { type: 'br' },
      { type: 'quote', children: [text('said')] },
    ])
    expect(out).toBe('<b>b <i>i</i></b><u>u</u><s>s</s>\n<blockquote>said</blockquote>')
  })

  it('links only http(s), tg and mailto URLs, escaping the href', () => {
    const link = (url: string): BbNode => ({ type: 'link', url, children: [text('x')] })
    expect(html([link('https://x.test/?a=1&b="2"')])).toBe(
      '<a href="https://x.test/?a=1&amp;b=&quot;2&quot;">x</a>',
    )
    expect(html([link('mailto:anna@example.com')])).toBe('<a href="mailto:anna@example.com">x</a>')
    expect(html([link('javascript:alert(1)')])).toBe('x')
    expect(html([link('tg://user?id=42')])).toBe('x')
  })

  it('shows a Bitrix24 mention as the name only, never a Telegram user link', () => {
    expect(html([{ type: 'mention', userId: '12', children: [text('Ivan Orlov')] }])).toBe('Ivan Orlov')
  })

  it('steps a code block out of every open tag, since pre may not sit inside other entities', () => {
    const out = html([
      {
        type: 'quote',
        children: [{ type: 'bold', children: [text('a'), { type: 'code', text: 'x < y' }, text('b')] }],
      },
    ])
    expect(out).toBe('<blockquote><b>a</b></blockquote><pre>x &lt; y</pre><blockquote><b>b</b></blockquote>')
  })

  it('never nests a blockquote or a repeated style', () => {
    const out = html([
      { type: 'quote', children: [{ type: 'quote', children: [text('q')] }] },
      { type: 'bold', children: [{ type: 'bold', children: [text('b')] }] },
    ])
    expect(out).toBe('<blockquote>q</blockquote><b>b</b>')
  })

  it('starts with the author in bold when showAuthor is on', () => {
    expect(html([text('Hi')], {}, { ...plain, showAuthor: true })).toBe('<b>Anna Petrova:</b>\nHi')
  })

  it('marks an edited message, with an optional "edited HH:MM UTC by" line', () => {
    expect(html([text('Hi')], { kind: 'updated' })).toBe('Hi <i>(edited)</i>')
    expect(html([text('Hi')], { kind: 'updated' }, { ...plain, editMarker: '' })).toBe('Hi')
    expect(
      html(
        [text('Hi')],
        { kind: 'updated', editedAt: '2024-05-02T11:33:52.000Z' },
        { ...plain, showEditedBy: true },
      ),
    ).toBe('Hi <i>(edited)</i>\n<i>edited 11:33 UTC by Anna Petrova</i>')
  })

  it('strikes a deleted message and says so', () => {
    expect(html([text('old')], { kind: 'deleted' })).toBe('<s>old</s> <i>(deleted)</i>')
    // The pipeline hands the old text already struck: it is not struck twice.
    expect(html([{ type: 'strike', children: [text('old')] }], { kind: 'deleted' })).toBe(
      '<s>old</s> <i>(deleted)</i>',
    )
  })

  it('adds files with name, size and a link that says it needs a Bitrix24 login, and a note for unverified text', () => {
    const out = html([text('See')], {
      files: [{ id: 1, name: '<b>a&b</b>.pdf', size: 48_213, url: 'https://portal.test/f?id=1&x=2' }],
      unverified: true,
    })
    expect(out).toBe(
      'See\n📎 &lt;b&gt;a&amp;b&lt;/b&gt;.pdf (47.1 KB) · <a href="https://portal.test/f?id=1&amp;x=2">open in Bitrix24 — login needed</a>\n<i>⚠ unverified: Bitrix24 could not be read back; text taken from the event</i>',
    )
  })

  it('links the public link without the login warning, and no link while uploading', () => {
    const out = html([text('See')], {
      files: [
        { id: 1, name: 'a.pdf', url: 'https://portal.test/f', publicUrl: 'https://portal.test/~4Pie9' },
        { id: 2, name: 'b.tiff', url: '' },
      ],
    })
    expect(out).toBe(
      'See\n📎 a.pdf · <a href="https://portal.test/~4Pie9">open — public link, no login</a>\n📎 b.tiff · <i>no link yet (still uploading in Bitrix24)</i>',
    )
  })

  it('never sends an empty message', () => {
    expect(html([{ type: 'attach', id: '1' }, text(' ')])).toBe('[attachment] ')
    expect(html([text('  ')])).toBe('<i>(no text)</i>')
    expect(html([], { files: [{ id: 5, name: 'scan.png', url: 'https://portal.test/s' }] })).toBe(
      '📎 scan.png · <a href="https://portal.test/s">open in Bitrix24 — login needed</a>',
    )
  })
})
