import { describe, expect, it } from 'vitest'
import { formatHtml } from '../../../plugins/webhook/format.js'
import { errorForStatus, parseRetryAfter } from '../../../plugins/webhook/map-response.js'

describe('webhook HTML format', () => {
  it('escapes text so typed markup stays text', () => {
    expect(formatHtml([{ type: 'text', text: '<script>"a" & b</script>' }])).toBe(
      '&lt;script&gt;&quot;a&quot; &amp; b&lt;/script&gt;',
    )
  })

  it('renders styles, quotes, code and line breaks', () => {
    const html = formatHtml([
      { type: 'quote', children: [{ type: 'italic', children: [{ type: 'text', text: 'said' }] }] },
      { type: 'strike', children: [{ type: 'text', text: 'old' }] },
      { type: 'br' },
      { type: 'code', text: '[b]x[/b] <y>' },
    ])
    expect(html).toBe(
      '<blockquote><i>said</i></blockquote><s>old</s><br><pre><code>[b]x[/b] &lt;y&gt;</code></pre>',
    )
  })

  it('never turns a javascript: URL into a link', () => {
    const html = formatHtml([
      { type: 'link', url: 'javascript:alert(1)', children: [{ type: 'text', text: 'click' }] },
    ])
    expect(html).toBe('click')
  })

  it('shows mentions by name and an attribute-safe link', () => {
    const html = formatHtml([
      { type: 'mention', userId: '12', children: [{ type: 'text', text: 'Ivan Orlov' }] },
      { type: 'text', text: ' ' },
      { type: 'link', url: 'https://x.test/?q="a"', children: [{ type: 'text', text: 'x' }] },
    ])
    expect(html).toBe('Ivan Orlov <a href="https://x.test/?q=&quot;a&quot;">x</a>')
  })
})

describe('webhook Retry-After and status mapping', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-05-02T11:00:00Z')
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter('Thu, 02 May 2024 11:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Thu, 02 May 2024 10:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })

  it('treats 410 on update as gone and a redirect as invalid', () => {
    expect(errorForStatus(410, 'h', true, null, '').reason).toBe('gone')
    expect(errorForStatus(403, 'h', true, null, '').reason).toBe('auth')
    expect(errorForStatus(302, 'h', false, null, '').reason).toBe('invalid')
    expect(errorForStatus(503, 'h', false, null, '').reason).toBe('transient')
  })
})
