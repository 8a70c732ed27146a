import { describe, expect, it } from 'vitest'
import { MAX_NESTING } from '../../../src/render/build-inline.js'
import { parseBbCode } from '../../../src/render/parse-bbcode.js'
import { renderPlain } from '../../../src/render/render-plain.js'
import { toSource } from './to-source.js'
import { ofType, visibleText, walk } from './walk.js'

const maxDepth = (source: string): number =>
  Math.max(0, ...walk(parseBbCode(source)).map((item) => item.depth))

describe('parseBbCode on adversarial input', () => {
  it('bounds the depth of 10k properly nested tags and keeps every character', () => {
    const n = 10_000
    const source = `${'[b]x'.repeat(n)}${'[/b]'.repeat(n)}`
    const ast = parseBbCode(source)
    expect(ofType(ast, 'bold')).toHaveLength(MAX_NESTING)
    expect(maxDepth(source)).toBe(MAX_NESTING + 1) // the text leaf sits below the deepest tag
    expect(toSource(ast)).toBe(source)
    expect(renderPlain(ast).split('x').length - 1).toBe(n)
  })

  it('keeps 10k unclosed tags as one literal text node', () => {
    const source = '[i]y'.repeat(10_000)
    expect(parseBbCode(source)).toEqual([{ type: 'text', text: source }])
  })

  it('keeps 10k crossed tag pairs literal where they cross', () => {
    const source = '[b][i]z[/b][/i]'.repeat(10_000)
    const ast = parseBbCode(source)
    expect(ofType(ast, 'bold')).toHaveLength(10_000)
    expect(ofType(ast, 'italic')).toHaveLength(0)
    expect(toSource(ast)).toBe(source)
  })

  it('survives long runs of brackets, unclosed code and rejected urls', () => {
    for (const source of [
      '['.repeat(100_000),
      '[b='.repeat(30_000),
      '[code]'.repeat(20_000),
      `${'[url] '.repeat(20_000)}[/url]`,
      '[br'.repeat(30_000),
    ]) {
      expect(toSource(parseBbCode(source))).toBe(source)
    }
  })

  it('groups 10k quote lines into one quote and handles 10k dashed lines', () => {
    const quoted = parseBbCode('>>q\n'.repeat(10_000))
    expect(ofType(quoted, 'quote')).toHaveLength(1)
    const dashed = parseBbCode(`${'-'.repeat(12)}\n`.repeat(10_000))
    expect(ofType(dashed, 'quote')).toHaveLength(0)
    expect(renderPlain(dashed)).toBe(`${'-'.repeat(12)}\n`.repeat(10_000))
  })
})

/** Deterministic PRNG (mulberry32) so a failing string can be reproduced from its seed. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TAGS = [
  ...[
    'b',
    'i',
    'u',
    's',
    'B',
    'url',
    'USER',
    'CHAT',
    'context',
    'code',
    'send',
    'put',
    'size',
    'color',
    'unknown',
  ].map((name) => `[/${name}]`),
  ...[
    '[b]',
    '[i]',
    '[u]',
    '[s]',
    '[B]',
    '[url]',
    '[url=https://e.com/?a=1]',
    '[USER=12 REPLACE]',
    '[USER=7]',
  ],
  ...['[CHAT=44]', '[context=chat1/2]', '[code]', '[send=Yes]', '[put=/s]', '[size=20]', '[color=#f00]'],
  ...[
    '[icon=https://e.com/i.png size=15 title=ok]',
    '[timestamp=1714649632 format=X]',
    '[disk=3]',
    '[ATTACH=1]',
  ],
  ...['[br]', '#BR#', '\n', '>>', '-'.repeat(12), '[', '[/', ']', '=', '[unknown]', ' '],
]
const WORDS = ['Жук', '<&', '😀', '谢谢', '"q"', 'Ωμέγα']

describe('parseBbCode fuzz', () => {
  const tagChars = new Set(TAGS.join(''))
  const alphabet = new Set([...WORDS.join('')].filter((ch) => !tagChars.has(ch)))
  const literal = (s: string): string => [...s].filter((ch) => alphabet.has(ch)).join('')

  it('uses word characters that no tag fragment contains', () => {
    expect(alphabet.size).toBeGreaterThanOrEqual(10)
  })

  it('never throws and keeps every character of non-tag text on 2,000 random strings', () => {
    const next = random(20240502)
    for (let run = 0; run < 2_000; run++) {
      let source = ''
      const length = Math.floor(next() * 40)
      for (let k = 0; k < length; k++) {
        const pool = next() < 0.6 ? TAGS : WORDS
        source += pool[Math.floor(next() * pool.length)]
      }
      const ast = parseBbCode(source)
      expect(literal(visibleText(ast)), JSON.stringify(source)).toBe(literal(source))
      expect(literal(renderPlain(ast)), JSON.stringify(source)).toBe(literal(source))
    }
  })
})
