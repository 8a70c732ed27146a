import { describe, expect, it } from 'vitest'
import { parseBbCode } from '../../../src/render/parse-bbcode.js'

const text = (t: string) => ({ type: 'text', text: t })

describe('parseBbCode tag rules', () => {
  it('matches tag names case-insensitively', () => {
    expect(parseBbCode('[B]x[/b] [Url=https://a.b]y[/URL] [user=7]Ann[/User] [Code]z[/CODE]')).toEqual([
      { type: 'bold', children: [text('x')] },
      text(' '),
      { type: 'link', url: 'https://a.b', children: [text('y')] },
      text(' '),
      { type: 'mention', userId: '7', children: [text('Ann')] },
      text(' '),
      { type: 'code', text: 'z' },
    ])
  })

  it('accepts [USER=id] without REPLACE and rejects non-numeric user ids', () => {
    expect(parseBbCode('[USER=12]Ivan[/USER]')).toEqual([
      { type: 'mention', userId: '12', children: [text('Ivan')] },
    ])
    expect(parseBbCode('[USER=abc]Ivan[/USER]')).toEqual([text('[USER=abc]Ivan[/USER]')])
  })

  it('keeps tags with invalid arguments literal so no formatter receives unsafe values', () => {
    const source = '[color=red;background:url(x)]a[/color] [size=big]b[/size] [b=1]c[/b] [timestamp=soon]'
    expect(parseBbCode(source)).toEqual([text(source)])
  })

  it('closes the innermost open tag of the same name', () => {
    expect(parseBbCode('[b]a[b]b[/b]c')).toEqual([
      text('[b]a'),
      { type: 'bold', children: [text('b')] },
      text('c'),
    ])
  })

  it('keeps a never-closed tag literal but still parses its content', () => {
    expect(parseBbCode('[b]open [i]it[/i]')).toEqual([
      text('[b]open '),
      { type: 'italic', children: [text('it')] },
    ])
  })

  it('keeps an unclosed [code] literal and parses what follows it', () => {
    expect(parseBbCode('[code]x [b]y[/b]')).toEqual([
      text('[code]x '),
      { type: 'bold', children: [text('y')] },
    ])
  })

  it('keeps [url] literal when its body is not a single url', () => {
    expect(parseBbCode('[url]not a url[/url]')).toEqual([text('[url]not a url[/url]')])
  })

  it('does not nest links inside links', () => {
    expect(parseBbCode('[url=https://a.b]see [USER=1]Ann[/USER][/url]')).toEqual([
      { type: 'link', url: 'https://a.b', children: [text('see [USER=1]Ann[/USER]')] },
    ])
  })

  it('uses the label as the command of [send] without =', () => {
    expect(parseBbCode('[send]Yes please[/send]')).toEqual([
      { type: 'send', command: 'Yes please', children: [text('Yes please')] },
    ])
  })

  it('reads [ATTACH=n] and an icon without title', () => {
    expect(parseBbCode('[ATTACH=1][icon=https://e.com/i.png]')).toEqual([
      { type: 'attach', id: '1' },
      { type: 'icon', url: 'https://e.com/i.png' },
    ])
  })

  it('keeps an icon title with spaces', () => {
    expect(parseBbCode('[icon=https://e.com/i.png size=15 title=all good]')).toEqual([
      { type: 'icon', url: 'https://e.com/i.png', title: 'all good' },
    ])
  })

  it('turns \\n and \\r\\n into breaks, also inside styles', () => {
    expect(parseBbCode('[b]a\r\nb[/b]\nc')).toEqual([
      { type: 'bold', children: [text('a'), { type: 'br' }, text('b')] },
      { type: 'br' },
      text('c'),
    ])
  })

  it('keeps newlines inside code and never starts a quote there', () => {
    expect(parseBbCode('[code]a\n>>b\n[/code]')).toEqual([{ type: 'code', text: 'a\n>>b\n' }])
  })

  it('treats lines split by [br] and #BR# as quote lines too', () => {
    expect(parseBbCode('>>a[br]>>b#BR#c')).toEqual([
      { type: 'quote', children: [text('a'), { type: 'br' }, text('b')] },
      { type: 'br' },
      text('c'),
    ])
  })

  it('keeps a lone dashed line, and a pair of adjacent ones, as text', () => {
    const dashes = '-'.repeat(20)
    expect(parseBbCode(`${dashes}\nx`)).toEqual([text(dashes), { type: 'br' }, text('x')])
    expect(parseBbCode(`${dashes}\n${dashes}`)).toEqual([text(dashes), { type: 'br' }, text(dashes)])
  })

  it('does not let an inline tag span into a quote', () => {
    expect(parseBbCode('[b]a\n>>b[/b]')).toEqual([
      text('[b]a'),
      { type: 'br' },
      { type: 'quote', children: [text('b[/b]')] },
    ])
  })

  it('returns no nodes for empty input and never throws on non-string input', () => {
    expect(parseBbCode('')).toEqual([])
    // biome-ignore lint/suspicious/noExplicitAny: simulates a caller passing untyped JSON
    expect(parseBbCode(undefined as any)).toEqual([])
  })
})
