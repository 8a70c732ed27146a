import { describe, expect, it } from 'vitest'
import { parseBbCode } from '../../../src/render/parse-bbcode.js'
import { loadSamples } from './samples.js'
import { toSource } from './to-source.js'
import { ofType } from './walk.js'

const samples = loadSamples()

function sample(title: string): string {
  const text = samples.get(title)
  if (text === undefined) throw new Error(`sample "${title}" missing from test/fixtures/bbcode/samples.txt`)
  return text
}

/**
 * Samples whose source differs from the canonical form toSource writes: the AST does not keep
 * which break spelling or quote style was used, nor icon sizes. Every other sample must come back
 * byte for byte, which proves no character was lost.
 */
const CANONICAL: Record<string, string> = {
  'dashed quote block': '>>Ivan Orlov [02.05.2024 14:20]\n>>When will it ship?\nTomorrow.',
  'line breaks': 'first line\nsecond line\nthird line',
  'icons, keyboard-like tags, size and color':
    '[icon=https://example.com/i.png title=ok] [send=Yes]Confirm[/send] [put=/search]Search[/put] ' +
    '[size=20]big[/size] [color=#ff0000]red[/color]',
  'operator signature as the connector copy carries it': '[b]Anna Petrova:[/b]\n Your order ships tomorrow',
}

describe('parseBbCode on the shared samples', () => {
  it('loads every sample block', () => {
    expect(samples.size).toBe(17)
  })

  for (const [title, text] of samples) {
    it(`round-trips without losing a character: ${title}`, () => {
      const ast = parseBbCode(text)
      expect(toSource(ast)).toBe(CANONICAL[title] ?? text)
      // The canonical form parses to the same tree, so formatters see one structure per meaning.
      expect(parseBbCode(toSource(ast))).toEqual(ast)
    })
  }

  it('keeps characters every target escapes as plain text', () => {
    const text = sample('plain with characters that every target escapes differently')
    expect(parseBbCode(text)).toEqual([{ type: 'text', text }])
  })

  it('nests inline styles', () => {
    expect(parseBbCode(sample('nested inline'))).toEqual([
      {
        type: 'bold',
        children: [
          { type: 'text', text: 'bold ' },
          {
            type: 'italic',
            children: [
              { type: 'text', text: 'bold italic ' },
              { type: 'underline', children: [{ type: 'text', text: 'all three' }] },
            ],
          },
        ],
      },
      { type: 'text', text: ' ' },
      { type: 'strike', children: [{ type: 'text', text: 'struck' }] },
    ])
  })

  it('leaves crossed, unclosed and unknown tags literal', () => {
    // [/b] closes the [b]; the crossed [i] it passes was never closed, so it and [/i] stay text.
    expect(parseBbCode(sample('unclosed and mis-nested tags stay literal text'))).toEqual([
      { type: 'bold', children: [{ type: 'text', text: 'never closed [i]crossed' }] },
      { type: 'text', text: ' tags[/i] and [unknown]tag[/unknown]' },
    ])
  })

  it('reads bare and labelled links, keeping & in the query and leaving bare urls as text', () => {
    const ast = parseBbCode(sample('links'))
    expect(ast[0]).toEqual({
      type: 'link',
      url: 'https://example.com/a?b=1&c=2',
      children: [{ type: 'text', text: 'https://example.com/a?b=1&c=2' }],
    })
    expect(ast[2]).toEqual({
      type: 'link',
      url: 'https://example.com/x_y*z',
      children: [
        { type: 'text', text: 'label with ' },
        { type: 'bold', children: [{ type: 'text', text: 'bold' }] },
      ],
    })
    expect(ast[3]).toEqual({ type: 'text', text: ' and bare https://example.org/path_(1)' })
  })

  it('reads mentions, chat links and message contexts', () => {
    const ast = parseBbCode(sample('mentions and internal references'))
    expect(ast[0]).toEqual({
      type: 'mention',
      userId: '12',
      children: [{ type: 'text', text: 'Ivan Orlov' }],
    })
    expect(ast[2]).toEqual({ type: 'chat', chatId: '44', children: [{ type: 'text', text: 'Sales chat' }] })
    expect(ast[4]).toEqual({
      type: 'context',
      target: 'chat1024/2050',
      children: [{ type: 'text', text: 'this message' }],
    })
  })

  it('groups >> lines into one quote and keeps the reply outside it', () => {
    expect(parseBbCode(sample('quote block'))).toEqual([
      {
        type: 'quote',
        children: [
          { type: 'mention', userId: '12', children: [{ type: 'text', text: 'Ivan Orlov' }] },
          { type: 'text', text: ' wrote:' },
          { type: 'br' },
          { type: 'text', text: 'When will it ship?' },
        ],
      },
      { type: 'br' },
      { type: 'text', text: 'Tomorrow.' },
    ])
  })

  it('turns the block between dashed lines into a quote', () => {
    expect(parseBbCode(sample('dashed quote block'))).toEqual([
      {
        type: 'quote',
        children: [
          { type: 'text', text: 'Ivan Orlov [02.05.2024 14:20]' },
          { type: 'br' },
          { type: 'text', text: 'When will it ship?' },
        ],
      },
      { type: 'br' },
      { type: 'text', text: 'Tomorrow.' },
    ])
  })

  it('keeps code verbatim, tags included', () => {
    expect(parseBbCode(sample('code keeps its content verbatim'))).toEqual([
      { type: 'code', text: 'if (a < b && c > d) { return "[b]not bold[/b]"; }' },
    ])
  })

  it('treats [br] and #BR# as line breaks', () => {
    expect(parseBbCode(sample('line breaks'))).toEqual([
      { type: 'text', text: 'first line' },
      { type: 'br' },
      { type: 'text', text: 'second line' },
      { type: 'br' },
      { type: 'text', text: 'third line' },
    ])
  })

  it('reads icon, send, put, size and color', () => {
    const ast = parseBbCode(sample('icons, keyboard-like tags, size and color'))
    expect(ast.filter((node) => node.type !== 'text')).toEqual([
      { type: 'icon', url: 'https://example.com/i.png', title: 'ok' },
      { type: 'send', command: 'Yes', children: [{ type: 'text', text: 'Confirm' }] },
      { type: 'put', command: '/search', children: [{ type: 'text', text: 'Search' }] },
      { type: 'size', size: 20, children: [{ type: 'text', text: 'big' }] },
      { type: 'color', color: '#ff0000', children: [{ type: 'text', text: 'red' }] },
    ])
  })

  it('reads timestamp and disk file', () => {
    expect(parseBbCode(sample('timestamp and disk file'))).toEqual([
      { type: 'text', text: 'Due ' },
      { type: 'timestamp', value: 1714649632, format: 'SHORT_DATE_FORMAT' },
      { type: 'text', text: ' — file ' },
      { type: 'disk', fileId: '331' },
    ])
  })

  it('preserves emoji and non-latin text', () => {
    const text = sample('emoji and non-latin text')
    expect(parseBbCode(text)).toEqual([{ type: 'text', text: 'Заказ №4411 отправлен 🚚 завтра, 谢谢 ✅' }])
  })

  it('parses the long sample into one bold node per word', () => {
    const text = sample(
      "long text over every target's single-message limit (Telegram 4096, Slack 40000 chars)",
    )
    const bold = ofType(parseBbCode(text), 'bold')
    expect(bold.length).toBeGreaterThanOrEqual(3000)
    expect(bold[2999]).toEqual({ type: 'bold', children: [{ type: 'text', text: 'word2999' }] })
  })
})
