import { describe, expect, it } from 'vitest'
import { html, jsonIsland } from '../../../src/console/html.js'

describe('html tagged template', () => {
  it('escapes interpolated text and attributes, but not nested templates', () => {
    const name = `<script>alert("x")</script>' onload='x`
    const out = html`<a title="${name}">${name}</a>${html`<b>${'&'}</b>`}${[html`<i>1</i>`, '<2>']}${undefined}${false}`
    expect(out.value).toBe(
      '<a title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x</a><b>&amp;</b><i>1</i>&lt;2&gt;',
    )
  })

  it('keeps a JSON island from closing its script tag', () => {
    expect(jsonIsland({ t: '</script><img>' }).value).toBe('{"t":"\\u003c/script>\\u003cimg>"}')
  })
})
