import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatMessage } from '../../../../plugins/telegram/format.js'
import { type Piece, renderPieces, visibleText } from '../../../../plugins/telegram/pieces.js'
import { chooseCuts, splitPieces } from '../../../../plugins/telegram/split.js'
import { parseBbCode } from '../../../../src/render/parse-bbcode.js'
import { parseTelegramHtml } from '../../../support/fake-telegram-html.js'
import { loadSamples } from '../../render/samples.js'
import { makeMessage } from '../make-message.js'

const longSample = [...loadSamples()].find(([title]) => title.startsWith('long text'))![1]

/** Each part rendered and parsed as Telegram would; throws when a part is not valid HTML alone. */
function parsedParts(pieces: Piece[], limit?: number) {
  return splitPieces(pieces, limit).map((part) => parseTelegramHtml(renderPieces(part)))
}

const squash = (s: string): string => s.replace(/\s+/g, '')

describe('telegram splitting', () => {
  it('leaves a message under the limit whole', () => {
    const pieces: Piece[] = [{ type: 'text', text: 'short' }]
    expect(splitPieces(pieces)).toEqual([pieces])
  })

  it('splits the long sample into parts of at most 4,096 visible characters, each valid alone', () => {
    const settings = { showAuthor: true, editMarker: '(edited)', showEditedBy: false }
    const pieces = formatMessage(makeMessage({ ast: parseBbCode(longSample), kind: 'updated' }), settings)
    const html = renderPieces(pieces)
    expect(parseTelegramHtml(html).text.length).toBeGreaterThan(4096 * 5)
    const parts = parsedParts(pieces)
    expect(parts.length).toBeGreaterThan(5)
    for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(4096)
    // Nothing lost but the breaking spaces: every word, in order, with its bold.
    expect(squash(parts.map((p) => p.text).join(''))).toBe(squash(visibleText(pieces)))
    expect(parts.flatMap((p) => p.entities.filter((e) => e.type === 'bold')).length).toBe(1 + 3000)
    expect(parts[0]!.text.startsWith('Anna Petrova:\nword0 & <x> word1')).toBe(true)
    expect(parts.at(-1)!.text.endsWith('word2999 & <x> (edited)')).toBe(true)
    // Cut at spaces, not inside words: every part ends and starts on a whole token.
    for (const part of parts.slice(1)) expect(part.text).toMatch(/^(word\d+|&|<x>) /)
  })

  it('closes tags open at a cut and reopens them in the next part', () => {
    const pieces: Piece[] = [
      { type: 'open', tag: { name: 'a', href: 'https://x.test/?q=1&r=2' } },
      { type: 'open', tag: { name: 'b' } },
      { type: 'text', text: 'aaaa bbbb cccc' },
      { type: 'close', name: 'b' },
      { type: 'close', name: 'a' },
    ]
    const parts = splitPieces(pieces, 10).map(renderPieces)
    expect(parts).toEqual([
      '<a href="https://x.test/?q=1&amp;r=2"><b>aaaa bbbb</b></a>',
      '<a href="https://x.test/?q=1&amp;r=2"><b>cccc</b></a>',
    ])
  })

  it('prefers a line break to a space, and cuts hard only without either', () => {
    expect(chooseCuts('aaaa bb\ncc dd', 10)).toEqual([{ at: 7, resume: 8 }])
    expect(chooseCuts('abcdefghijkl', 5).map((c) => c.at)).toEqual([5, 10])
  })

  it('never cuts an emoji in half', () => {
    const text = `${'a'.repeat(9)}🚚${'b'.repeat(5)}`
    const parts = splitPieces([{ type: 'text', text }], 10).map(visibleText)
    expect(parts).toEqual(['a'.repeat(9), `🚚${'b'.repeat(5)}`])
  })

  it('keeps escaping intact across cuts: entities count as one character', () => {
    const parts = splitPieces([{ type: 'text', text: '&&&&& <<<<<' }], 5).map(renderPieces)
    expect(parts).toEqual(['&amp;&amp;&amp;&amp;&amp;', '&lt;&lt;&lt;&lt;&lt;'])
  })

  it('splits any BB-code into valid parts within the limit (property)', () => {
    const word = fc.constantFrom('a', 'bb', '&', '<x>', '🚚', ' ', ' ', '\n', 'word')
    const tag = fc.constantFrom('b', 'i', 'u', 's', 'url=https://x.test/?a&b', 'code', 'quote')
    const bb = fc.array(
      fc.oneof(
        word,
        tag.map((t) => `[${t}]`),
        tag.map((t) => `[/${t.split('=')[0]}]`),
      ),
      {
        maxLength: 120,
      },
    )
    fc.assert(
      fc.property(bb, fc.integer({ min: 8, max: 40 }), (tokens, limit) => {
        const source = tokens.join('').replaceAll('[quote]', '\n>>').replaceAll('[/quote]', '\n')
        const msg = makeMessage({ ast: parseBbCode(source), kind: 'added', files: [] })
        const pieces = formatMessage(msg, { showAuthor: false, editMarker: '', showEditedBy: false })
        for (const part of parsedParts(pieces, limit)) {
          expect(part.text.length).toBeLessThanOrEqual(limit)
          expect(part.text.trim()).not.toBe('')
        }
      }),
      { numRuns: 300 },
    )
  })
})
