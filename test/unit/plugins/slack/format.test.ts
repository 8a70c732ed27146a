import { describe, expect, it } from 'vitest'
import { type FormatSettings, formatMrkdwn, formatParts } from '../../../../plugins/slack/format.js'
import { parseBbCode } from '../../../../src/render/index.js'
import { makeMessage } from '../make-message.js'
import { mrkdwnProblems } from './check-mrkdwn.js'

const mrkdwn = (bbcode: string): string => formatMrkdwn(parseBbCode(bbcode))
const settings: FormatSettings = { showAuthor: true, showEditedBy: false, editMarker: '(edited)' }
const one = (overrides: Parameters<typeof makeMessage>[0], s: Partial<FormatSettings> = {}): string => {
  const parts = formatParts(makeMessage(overrides), { ...settings, ...s }, 40_000)
  expect(parts).toHaveLength(1)
  return parts[0]!
}

describe('slack mrkdwn', () => {
  it('escapes & < > in text and leaves other characters alone', () => {
    expect(mrkdwn('a < b && c > d "q"')).toBe('a &lt; b &amp;&amp; c &gt; d "q"')
  })

  it('renders bold, italic and strike, nested, with underline dropped', () => {
    expect(mrkdwn('[b]bold [i]both[/i][/b] [s]gone[/s] [u]under[/u]')).toBe('*bold _both_* ~gone~ under')
  })

  it('keeps style markers against the text (Slack ignores `*bold *`)', () => {
    expect(mrkdwn('[b] spaced [/b]x')).toBe(' *spaced* x')
  })

  it('repeats styles on every line, since Slack styles do not span lines', () => {
    expect(mrkdwn('[b]one[br]two[/b]')).toBe('*one*\n*two*')
  })

  it('turns http, https and mailto links into <url|label> and other schemes into plain text', () => {
    expect(mrkdwn('[url=https://x.test/a?b=1&c=2]the <docs>[/url]')).toBe(
      '<https://x.test/a?b=1&c=2|the &lt;docs&gt;>',
    )
    expect(mrkdwn('[url]https://x.test/p[/url]')).toBe('<https://x.test/p>')
    expect(mrkdwn('[url=mailto:a@x.test]mail[/url]')).toBe('<mailto:a@x.test|mail>')
    expect(mrkdwn('[url=javascript:alert(1)]click[/url]')).toBe('click')
  })

  it('keeps | and > from ending a link early', () => {
    const out = mrkdwn('[url=https://x.test/a|b>c]x|y>z[/url]')
    expect(out).toBe('<https://x.test/a%7Cb%3Ec|x¦y&gt;z>')
    expect(mrkdwnProblems(out)).toEqual([])
  })

  it('shows mentions as names, never as Slack pings', () => {
    expect(mrkdwn('[USER=12 REPLACE]Ivan Orlov[/USER] <@U123> <!here>')).toBe(
      'Ivan Orlov &lt;@U123&gt; &lt;!here&gt;',
    )
  })

  it('renders code as an escaped ``` block on its own lines', () => {
    expect(mrkdwn('see [code]if (a < b) {}\nx[/code] done')).toBe(
      'see \n```\nif (a &lt; b) {}\nx\n```\n done',
    )
  })

  it('prefixes quoted lines with > and continues unquoted after the quote', () => {
    expect(mrkdwn('>>Ivan wrote:\n>>[b]When?[/b]\nTomorrow.')).toBe('> Ivan wrote:\n> *When?*\nTomorrow.')
  })

  it('renders timestamps as Slack dates with a UTC fallback, files and attachments as words', () => {
    expect(mrkdwn('Due [timestamp=1714649632 format=SHORT_DATE_FORMAT] [disk=331] [ATTACH=1]')).toBe(
      'Due <!date^1714649632^{date_short_pretty} {time}|2024-05-02 11:33 UTC> [file] [attachment]',
    )
  })

  it('shows labels of chat links, commands, sizes, colours and icon titles', () => {
    expect(
      mrkdwn(
        '[CHAT=44]Sales[/CHAT] [send=Yes]Confirm[/send] [size=20]big[/size] [color=#f00]red[/color] [icon=https://x.test/i.png title=ok]',
      ),
    ).toBe('Sales Confirm big red ok')
  })
})

describe('slack message layout', () => {
  it('puts the author in bold on the first line and the edit marker after an edited text', () => {
    expect(one({ kind: 'updated' })).toBe(
      '*Anna Petrova:*\nHello, *Ivan*\nsee <https://example.com/a?b=1&c=2|the docs> _(edited)_',
    )
  })

  it('shows no marker on a new message and no author line when showAuthor is false', () => {
    expect(one({ kind: 'added' }, { showAuthor: false })).toBe(
      'Hello, *Ivan*\nsee <https://example.com/a?b=1&c=2|the docs>',
    )
  })

  it('adds "edited HH:MM by author" as a Slack time when showEditedBy is on', () => {
    const text = one({ kind: 'updated' }, { showEditedBy: true, editMarker: '' })
    expect(text.split('\n').at(-1)).toBe('_edited <!date^1714649632^{time}|11:33 UTC> by Anna Petrova_')
  })

  it('strikes a deleted message through and marks it (deleted)', () => {
    const text = one({ kind: 'deleted', ast: parseBbCode('old text') })
    expect(text).toBe('*Anna Petrova:*\n~old text~ _(deleted)_')
  })

  it('does not strike twice when the pipeline already struck the text', () => {
    const text = one({
      kind: 'deleted',
      ast: [{ type: 'strike', children: [{ type: 'text', text: 'old' }] }],
    })
    expect(text).toBe('*Anna Petrova:*\n~old~ _(deleted)_')
  })

  it('notes an unverified text and lists files as links', () => {
    const text = one({
      kind: 'added',
      unverified: true,
      files: [
        { id: 1, name: 'scan <1> *new*.pdf', size: 48_213, url: 'https://files.test/scan.pdf?x=1&y=2' },
        { id: 2, name: 'local', url: 'file:///etc/passwd' },
        { id: 3, name: 'open.pdf', url: 'https://files.test/o', publicUrl: 'https://files.test/~4Pie9' },
      ],
    })
    expect(text.split('\n').slice(-4)).toEqual([
      '_unverified: taken from the Bitrix24 event, the message could not be read back_',
      '📎 scan &lt;1&gt; \u2060*\u2060new\u2060*\u2060.pdf (47.1 KB) · <https://files.test/scan.pdf?x=1&y=2|open in Bitrix24 — login needed>',
      '📎 local · _no link (Bitrix24 sent no web address)_',
      '📎 open.pdf · <https://files.test/~4Pie9|open — public link, no login>',
    ])
    expect(mrkdwnProblems(text)).toEqual([])
  })

  it('never sends an empty text, which Slack rejects', () => {
    expect(one({ kind: 'added', ast: [], author: undefined } as never)).toBe('_(no text)_')
  })
})
