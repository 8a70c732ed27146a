import { describe, expect, it } from 'vitest'
import { type BodySettings, composeBody } from '../../../../plugins/email/compose.js'
import { makeMessage } from '../make-message.js'
import { checkHtml } from './html-check.js'

const defaults: BodySettings = {
  showPrevious: true,
  editMarker: '(edited)',
  showAuthor: true,
  showEditedBy: false,
}

describe('email body', () => {
  it('a new thread: author, text, footer naming the chat; no marker for a new message', () => {
    const { text, html } = composeBody('created', makeMessage({ kind: 'added' }), defaults)
    expect(text).toBe(
      'Anna Petrova:\n\n' +
        'Hello, Ivan\nsee the docs (https://example.com/a?b=1&c=2)\n\n' +
        '-- \nOpen line 128 · telegrambot · chat 1024 · message 2057 · demo.bitrix24.com\n',
    )
    expect(html).toContain('<p><b>Anna Petrova</b>:</p>')
    expect(html).toContain(
      '<div>Hello, <b>Ivan</b><br>see <a href="https://example.com/a?b=1&amp;c=2">the docs</a></div>',
    )
    expect(html).not.toContain('(edited)')
    expect(checkHtml(html)).toEqual([])
  })

  it('a first mirror of an already edited message carries the marker', () => {
    const { text } = composeBody('created', makeMessage({ kind: 'updated', plainText: 'v2' }), defaults)
    expect(text).toContain('v2 (edited)')
  })

  it('an edit: new text with the marker, then the previous text (struck in HTML)', () => {
    const msg = makeMessage({
      plainText: 'Tomorrow',
      ast: [{ type: 'text', text: 'Tomorrow' }],
      previousText: 'Today <b> & soon\nline 2',
    })
    const { text, html } = composeBody('edited', msg, defaults)
    expect(text).toContain('Tomorrow (edited)\n\nwas:\n  Today <b> & soon\n  line 2\n\n')
    expect(html).toContain('<div>Tomorrow <span style="color:#6b6b6b">(edited)</span></div>')
    expect(html).toContain('<del>Today &lt;b&gt; &amp; soon<br>line 2</del>')
    expect(checkHtml(html)).toEqual([])
  })

  it('leaves the previous text out when showPrevious is off, unknown or unchanged', () => {
    const msg = makeMessage({ plainText: 'same', ast: [{ type: 'text', text: 'same' }], previousText: 'old' })
    expect(composeBody('edited', msg, { ...defaults, showPrevious: false }).html).not.toContain('<del>')
    expect(composeBody('edited', { ...msg, previousText: 'same' }, defaults).text).not.toContain('was:')
    const { previousText: _, ...unknown } = msg
    expect(composeBody('edited', unknown, defaults).text).not.toContain('was:')
  })

  it('honours an empty edit marker, showAuthor off and showEditedBy on', () => {
    const msg = makeMessage({ plainText: 'v2', ast: [{ type: 'text', text: 'v2' }] })
    const { text } = composeBody('edited', msg, {
      ...defaults,
      editMarker: '',
      showAuthor: false,
      showEditedBy: true,
    })
    expect(text.startsWith('v2\n\nedited 11:33 UTC by Anna Petrova\n\n')).toBe(true)
  })

  it('a deletion says so and shows what was deleted, without files or new text', () => {
    const msg = makeMessage({
      kind: 'deleted',
      plainText: '',
      ast: [],
      previousText: 'Price < 100',
      files: [{ id: 1, name: 'a.pdf', url: 'https://f.test/a.pdf' }],
    })
    const { text, html } = composeBody('deleted', msg, defaults)
    expect(text).toContain('This message was deleted.\n\nwas:\n  Price < 100\n')
    expect(html).toContain('<del>Price &lt; 100</del>')
    expect(text).not.toContain('a.pdf')
  })

  it('a deletion under policy strike (old text struck in the AST) shows the old text once', () => {
    const msg = makeMessage({
      kind: 'deleted',
      plainText: 'old words',
      ast: [{ type: 'strike', children: [{ type: 'text', text: 'old words' }] }],
      previousText: 'old words',
    })
    const { text } = composeBody('deleted', msg, defaults)
    expect(text.match(/old words/g)).toHaveLength(1)
    expect(text).toContain('This message was deleted.')
  })

  it('lists files with name and size, links that say a Bitrix24 login is needed, and only safe URLs', () => {
    const msg = makeMessage({
      files: [
        { id: 1, name: 'scan <1>.pdf', size: 1_258_291, url: 'https://f.test/scan.pdf?x=1&y=2' },
        { id: 2, name: 'odd', url: 'javascript:alert(1)' },
        { id: 3, name: 'open.pdf', url: 'https://f.test/o', publicUrl: 'https://f.test/~4Pie9' },
      ],
    })
    const { text, html } = composeBody('created', msg, defaults)
    expect(text).toContain(
      'Files:\n- scan <1>.pdf (1.2 MB) · open in Bitrix24 — login needed: https://f.test/scan.pdf?x=1&y=2\n- odd · no link (Bitrix24 sent no web address)\n- open.pdf · open — public link, no login: https://f.test/~4Pie9',
    )
    expect(html).toContain(
      '<li>scan &lt;1&gt;.pdf (1.2 MB) · <a href="https://f.test/scan.pdf?x=1&amp;y=2">open in Bitrix24 — login needed</a></li>',
    )
    expect(html).toContain('<li>odd · <i>no link (Bitrix24 sent no web address)</i></li>')
    expect(html).not.toContain('javascript:')
    expect(html).toContain('<a href="https://f.test/~4Pie9">open — public link, no login</a>')
    expect(checkHtml(html)).toEqual([])
  })

  it('notes text that could not be read back from Bitrix24', () => {
    const { text } = composeBody('created', makeMessage({ unverified: true }), defaults)
    expect(text).toContain('[Text taken from the event: Bitrix24 could not be read back.]')
  })
})
