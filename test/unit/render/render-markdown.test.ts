import { describe, expect, it } from 'vitest'
import { parseBbCode } from '../../../src/render/parse-bbcode.js'
import { escapeMarkdown, formatMarkdown } from '../../../src/render/render-markdown.js'

const md = (bbcode: string) => formatMarkdown(parseBbCode(bbcode))

describe('formatMarkdown', () => {
  it('renders our styles and escapes every marker an operator typed', () => {
    expect(md('[b]bold[/b] [i]it[/i] [s]old[/s] [u]under[/u]')).toBe('**bold** *it* ~~old~~ under')
    expect(md('2*3*4 _init_ `x` # not a heading [link](x)')).toBe(
      '2\\*3\\*4 \\_init\\_ \\`x\\` \\# not a heading \\[link\\]\\(x\\)',
    )
  })

  it('makes links only of safe URLs, and keeps the destination from ending early', () => {
    expect(md('[url=https://example.com/a b(c)]see [b]this[/b][/url]')).toBe(
      '[see **this**](https://example.com/a%20b%28c%29)',
    )
    expect(md('[url=javascript:alert(1)]click[/url]')).toBe('click')
    expect(md('[url]https://example.com/x_y[/url]')).toBe(
      '[https://example.com/x\\_y](https://example.com/x_y)',
    )
  })

  it('fences code with more backticks than it contains, and quotes line by line', () => {
    expect(md('[code]a ``` b[/code]')).toBe('\n````\na ``` b\n````\n')
    expect(md('>>one\n>>two\nafter')).toBe('\n> one\\\n> two\n\nafter')
  })

  it('shows an image as a link to it, never an embedded image', () => {
    expect(md('[img size=100]https://example.com/a.png[/img]')).toBe('[image](https://example.com/a.png)')
  })

  it('keeps line breaks as hard breaks', () => {
    expect(md('one\ntwo')).toBe('one\\\ntwo')
  })

  it('escapeMarkdown leaves letters, digits, spaces and ordinary dots alone', () => {
    expect(escapeMarkdown('Ivan Petrov 42. Done.')).toBe('Ivan Petrov 42. Done.')
    expect(escapeMarkdown('1. not a list\n2. either')).toBe('1\\. not a list\n2\\. either')
  })
})
