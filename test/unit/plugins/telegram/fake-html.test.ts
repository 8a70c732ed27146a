import { describe, expect, it } from 'vitest'
import { parseTelegramHtml } from '../../../support/fake-telegram-html.js'

// The integration tests trust this validator to catch bad markup; these prove it does.
describe('fake Telegram HTML validator', () => {
  it('parses allowed tags into text and entities with UTF-16 offsets', () => {
    expect(parseTelegramHtml('🚚 <b>a <a href="https://x.test/?a=1&amp;b">l</a></b> &lt;&amp;&#33;')).toEqual(
      {
        text: '🚚 a l <&!',
        entities: [
          { type: 'bold', offset: 3, length: 3 },
          { type: 'text_link', offset: 5, length: 1, url: 'https://x.test/?a=1&b' },
        ],
      },
    )
  })

  it.each([
    ['<br>', 'Unsupported start tag "br"'],
    ['<b>open', "Can't find end tag"],
    ['<b><i>x</b></i>', 'Unmatched end tag'],
    ['a & b', 'Unsupported HTML entity'],
    ['a > b', "Unescaped '>'"],
    ['<a href="javascript:x">x</a>', 'Wrong URL'],
    ['<b><pre>x</pre></b>', "pre can't be part of bold"],
    ['<blockquote><blockquote>x</blockquote></blockquote>', "blockquotes can't be nested"],
    ['<a href="https://x.test"><a href="https://y.test">x</a></a>', "a link can't contain text_link"],
    ['<b class="x">x</b>', 'Unsupported attribute'],
  ])('refuses %s', (html, why) => {
    expect(() => parseTelegramHtml(html)).toThrow(why)
  })
})
