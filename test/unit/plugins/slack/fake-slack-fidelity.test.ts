import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { startFakeSlack } from '../../../support/fake-slack.js'
import { renderMrkdwn, visibleMrkdwn } from '../../../support/render-mrkdwn.js'
import { applyParse, type ParseMode, type SlackDirectory } from '../../../support/slack-parse.js'

interface ParseFixture {
  defaults: Record<string, ParseMode>
  examples: { parse: ParseMode; in: string; out: string }[]
  directory: SlackDirectory
}

const fixture = JSON.parse(
  readFileSync(new URL('../../../fixtures/slack/parse-modes.json', import.meta.url), 'utf8'),
) as ParseFixture

describe('fake Slack: parse modes as documented', () => {
  it.each(fixture.examples.map((e) => [e.parse, e.in, e.out] as const))(
    'parse=%s turns %j into %j',
    (mode, input, output) => {
      expect(applyParse(input, mode, fixture.directory)).toBe(output)
    },
  )

  it('applies each method’s default: none for chat.postMessage, client for chat.update', async () => {
    const slack = await startFakeSlack({ token: 't' })
    try {
      const call = async (method: string, body: Record<string, string>) => {
        const res = await fetch(`${slack.apiUrl}${method}`, {
          method: 'POST',
          headers: { authorization: 'Bearer t', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(body),
        })
        return (await res.json()) as { ts: string }
      }
      const text = 'see <https://example.com/a|the docs> at http://test.com'
      const { ts } = await call('chat.postMessage', { channel: 'C0SUPPORT', text })
      expect(slack.messages('C0SUPPORT')[0]!.text).toBe(text)
      await call('chat.update', { channel: 'C0SUPPORT', ts, text })
      expect(slack.messages('C0SUPPORT')[0]!.text).toBe(
        'see &lt;<https://example.com/a>|the docs&gt; at <http://test.com>',
      )
      await call('chat.update', { channel: 'C0SUPPORT', ts, text, parse: 'none' })
      expect(slack.messages('C0SUPPORT')[0]!.text).toBe(text)
      expect(fixture.defaults).toEqual({ 'chat.postMessage': 'none', 'chat.update': 'client' })
    } finally {
      await slack.close()
    }
  })
})

describe('fake Slack: mrkdwn rendering', () => {
  it.each([
    ['*bold* _italic_ ~strike~ `code`', '<b>bold</b> <i>italic</i> <s>strike</s> <code>code</code>'],
    ['*Anna:*\nHello, *Ivan*', '<b>Anna:</b>\nHello, <b>Ivan</b>'],
    ['*bold _both_*', '<b>bold <i>both</i></b>'],
    ['snake_case_name and 2*3*4', 'snake_case_name and 2*3*4'],
    ['_snake_case_', '<i>snake_case</i>'],
    ['a * b * c', 'a * b * c'],
    ['\u2060*\u2060not bold\u2060*\u2060', '\u2060*\u2060not bold\u2060*\u2060'],
    ['*<https://x.test|docs>*', '<b><a href="https://x.test">docs</a></b>'],
    ['> quoted _it_', '<blockquote>quoted <i>it</i></blockquote>'],
    ['```\n*not bold*\n```', '<pre>*not bold*</pre>'],
  ])('renders %j as %j', (text, html) => {
    expect(renderMrkdwn(text)).toBe(html)
  })

  it('shows entities decoded and word joiners invisible', () => {
    expect(visibleMrkdwn('&lt;b&gt; &amp; \u2060*\u2060x')).toBe('<b> & *x')
  })
})
