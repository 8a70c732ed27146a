import { describe, expect, it } from 'vitest'
import { formatParts } from '../../../../plugins/slack/format.js'
import { chunkText } from '../../../../plugins/slack/split.js'
import type { BbNode } from '../../../../src/render/ast.js'
import { parseBbCode } from '../../../../src/render/index.js'
import { makeMessage } from '../make-message.js'
import { mrkdwnProblems, unescapeMrkdwn } from './check-mrkdwn.js'

const settings = { showAuthor: false, showEditedBy: false, editMarker: '' }
const parts = (ast: BbNode[], limit: number): string[] =>
  formatParts(makeMessage({ kind: 'added', ast }), settings, limit)

function expectValid(texts: string[], limit: number): void {
  for (const text of texts) {
    expect(text.length).toBeLessThanOrEqual(limit)
    expect(mrkdwnProblems(text)).toEqual([])
  }
}

describe('splitting long mirrors', () => {
  it('keeps a text that fits in one part', () => {
    expect(parts(parseBbCode('short'), 200)).toEqual(['short'])
  })

  it('splits a 100,000-character message into parts of at most 40,000 on line boundaries', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} [b]bold[/b] & <x> ${'y'.repeat(20)}`)
    const texts = parts(parseBbCode(lines.join('\n')), 40_000)
    expect(texts.join('\n').length).toBeGreaterThan(100_000)
    expect(texts.length).toBe(3)
    expectValid(texts, 40_000)
    // Nothing lost or reordered: the parts read back as the original lines.
    expect(texts.join('\n').split('\n')).toEqual(
      lines.map((l) =>
        l
          .replace(/\[\/?b\]/g, '*')
          .replace(/&/g, '&amp;')
          .replace(/<x>/g, '&lt;x&gt;'),
      ),
    )
  })

  it('never cuts an escape entity, even in one long word', () => {
    const texts = parts([{ type: 'text', text: '&<>'.repeat(400) }], 200)
    expect(texts.length).toBeGreaterThan(1)
    expectValid(texts, 200)
    expect(unescapeMrkdwn(texts.join(''))).toBe('&<>'.repeat(400))
  })

  it('never cuts a link, and cuts a long line at spaces', () => {
    const ast: BbNode[] = []
    for (let i = 0; i < 60; i++) {
      ast.push({ type: 'text', text: `word${i} ` })
      ast.push({
        type: 'link',
        url: `https://x.test/${i}?a=1&b=2`,
        children: [{ type: 'text', text: `link ${i}` }],
      })
      ast.push({ type: 'text', text: ' ' })
    }
    const texts = parts(ast, 200)
    expectValid(texts, 200)
    for (const text of texts) {
      expect(text.match(/</g)?.length).toBe(text.match(/>/g)?.length)
      expect(text).toMatch(/^(word|<https)/)
    }
    expect(texts.join(' ').match(/<https:\/\/x\.test\/\d+\?a=1&b=2\|link \d+>/g)).toHaveLength(60)
  })

  it('closes and reopens styles at a cut so each part is formatted on its own', () => {
    const texts = parts(parseBbCode(`[b]${'bold words '.repeat(50)}[/b]`), 200)
    expect(texts.length).toBeGreaterThan(2)
    for (const text of texts) expect(text).toMatch(/^\*[^*]+\*\s*$/)
  })

  it('splits a long code block into blocks that each open and close their fence', () => {
    const code = Array.from({ length: 80 }, (_, i) => `if (a < ${i}) { b && c }`).join('\n')
    const texts = parts([{ type: 'code', text: code }], 300)
    expect(texts.length).toBeGreaterThan(3)
    expectValid(texts, 300)
    for (const text of texts) expect(text).toMatch(/^```\n[\s\S]*\n```$/)
    const body = texts.map((t) => t.slice(4, -4)).join('\n')
    expect(unescapeMrkdwn(body)).toBe(code)
  })

  it('keeps the quote prefix on every part of a long quoted line', () => {
    const texts = parts(parseBbCode(`>>${'quoted text '.repeat(60)}`), 200)
    expect(texts.length).toBeGreaterThan(2)
    for (const text of texts) expect(text.startsWith('> ')).toBe(true)
    expectValid(texts, 200)
  })

  it('hard-cuts a word with no spaces between characters, never inside an emoji', () => {
    const chunks = chunkText('😀'.repeat(10), 5, (ch) => ch.length)
    expect(chunks).toEqual(['😀😀', '😀😀', '😀😀', '😀😀', '😀😀'])
  })
})
