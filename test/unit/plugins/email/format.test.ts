import { describe, expect, it } from 'vitest'
import { composeBody } from '../../../../plugins/email/compose.js'
import { escapeHtml, formatHtml } from '../../../../plugins/email/format.js'
import { parseBbCode } from '../../../../src/render/parse-bbcode.js'
import { renderPlain } from '../../../../src/render/render-plain.js'
import { loadSamples } from '../../render/samples.js'
import { makeMessage } from '../make-message.js'
import { checkHtml, visibleText } from './html-check.js'

const samples = loadSamples()
const settings = { showPrevious: true, editMarker: '(edited)', showAuthor: true, showEditedBy: true }

describe('email HTML format', () => {
  it('escapes every character that could open markup or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
  })

  it('renders styles, links, quotes, code and line breaks as simple tags', () => {
    const html = formatHtml(
      parseBbCode('[b]b[/b] [i]i[/i] [u]u[/u] [s]s[/s][br][url=https://x.test/?a=1&b=2]go[/url]'),
    )
    expect(html).toBe('<b>b</b> <i>i</i> <u>u</u> <s>s</s><br><a href="https://x.test/?a=1&amp;b=2">go</a>')
    expect(formatHtml([{ type: 'code', text: 'if (a < b) {}' }])).toBe(
      '<pre><code>if (a &lt; b) {}</code></pre>',
    )
    expect(formatHtml([{ type: 'quote', children: [{ type: 'text', text: 'hi' }] }])).toBe(
      '<blockquote>hi</blockquote>',
    )
  })

  it('links only http, https and mailto URLs; anything else stays its label', () => {
    const link = (url: string) => formatHtml([{ type: 'link', url, children: [{ type: 'text', text: 'x' }] }])
    expect(link('javascript:alert(1)')).toBe('x')
    expect(link('data:text/html,<b>')).toBe('x')
    expect(link('mailto:a@b.test')).toBe('<a href="mailto:a@b.test">x</a>')
    expect(link('HTTPS://A.TEST')).toBe('<a href="HTTPS://A.TEST">x</a>')
  })

  it('shows a mention as the name only, never a link', () => {
    const html = formatHtml(parseBbCode('[USER=12 REPLACE]Ivan <Orlov>[/USER]'))
    expect(html).toBe('Ivan &lt;Orlov&gt;')
  })

  it('the checker itself rejects raw markup, stray ampersands and unsafe links', () => {
    expect(checkHtml('a < b')).not.toEqual([])
    expect(checkHtml('a & b')).not.toEqual([])
    expect(checkHtml('<script>x</script>')).not.toEqual([])
    expect(checkHtml('<a href="javascript:x">x</a>')).not.toEqual([])
    expect(checkHtml('<b><i>x</b></i>')).not.toEqual([])
    expect(checkHtml('<b>a &amp; &lt;b&gt;</b><br>')).toEqual([])
  })

  for (const [title, source] of samples) {
    it(`sample "${title}": valid, escaped HTML in the fragment and the whole mail`, () => {
      const ast = parseBbCode(source)
      expect(checkHtml(formatHtml(ast))).toEqual([])
      // The raw BB-code as the previous text: every `<`, `&` and `[` of it must come out as text.
      const msg = makeMessage({ ast, plainText: renderPlain(ast), previousText: source })
      const body = composeBody('edited', msg, settings)
      expect(checkHtml(body.html)).toEqual([])
      expect(visibleText(body.html)).toContain(source.split('\n')[0])
    })
  }

  it('keeps what the operator typed readable: the visible text equals the original characters', () => {
    const source = samples.get('plain with characters that every target escapes differently')!
    expect(visibleText(formatHtml(parseBbCode(source)))).toBe(source)
  })
})
