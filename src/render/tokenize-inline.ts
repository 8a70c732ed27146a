/**
 * Splits inline BB-code into tokens. Verbatim constructs (`[code]…[/code]`, `[url]…[/url]`) and
 * stand-alone tags become finished nodes here; paired tags become open/close tokens that
 * `build-inline.ts` matches. Anything unrecognised is text, character for character.
 */
import type { BbNode } from './ast.js'
import { CloseFinder, lineBreakAt, readTag } from './read-tag.js'
import { isPairedName, type OpenSpec, openSpec, standaloneNode } from './tag-specs.js'

export type Token =
  | { kind: 'text'; text: string }
  | { kind: 'node'; node: BbNode }
  | { kind: 'open'; spec: OpenSpec; raw: string }
  | { kind: 'close'; name: string; raw: string }

/** A `[url]` body is a url only without spaces, brackets or line breaks; otherwise the tag is text. */
function isBareUrl(body: string): boolean {
  return body !== '' && !/[\s[\]]|#br#/i.test(body)
}

// `[img size=medium]URL [/img]` (size optional): the only tag whose name is followed by a space.
const IMG_OPEN = /\[img(?:[ \t]+size=([a-z0-9]{1,10}))?\]/iy

/** An image tag at `i` with a bare URL inside: its node and end; otherwise null (stays text). */
function readImage(text: string, i: number, closes: CloseFinder): { node: BbNode; end: number } | null {
  IMG_OPEN.lastIndex = i
  const open = IMG_OPEN.exec(text)
  if (!open) return null
  const bodyStart = i + open[0].length
  const close = closes.find('img', bodyStart)
  if (close < 0) return null
  // Bitrix24 wants a space between the URL and `[/img]`; it is not part of the URL.
  const url = text.slice(bodyStart, close).trim()
  if (!isBareUrl(url)) return null
  const node: BbNode = open[1] === undefined ? { type: 'image', url } : { type: 'image', url, size: open[1] }
  return { node, end: close + 6 }
}

export function tokenizeInline(text: string): Token[] {
  const tokens: Token[] = []
  const closes = new CloseFinder(text)
  let textStart = 0
  let i = 0
  const flush = (upTo: number): void => {
    if (upTo > textStart) tokens.push({ kind: 'text', text: text.slice(textStart, upTo) })
  }
  const emit = (token: Token, start: number, end: number): void => {
    flush(start)
    tokens.push(token)
    textStart = end
    i = end
  }
  while (i < text.length) {
    const brLength = lineBreakAt(text, i)
    if (brLength > 0) {
      emit({ kind: 'node', node: { type: 'br' } }, i, i + brLength)
      continue
    }
    const image =
      text[i] === '[' && (text[i + 1] === 'i' || text[i + 1] === 'I') ? readImage(text, i, closes) : null
    if (image) {
      emit({ kind: 'node', node: image.node }, i, image.end)
      continue
    }
    const tag = text[i] === '[' ? readTag(text, i) : null
    if (!tag) {
      i++
      continue
    }
    // A tag that stays literal advances one character only, so a `#BR#` inside it still breaks.
    const raw = text.slice(i, tag.end)
    if (tag.closing) {
      if (isPairedName(tag.name)) emit({ kind: 'close', name: tag.name, raw }, i, tag.end)
      else i++
      continue
    }
    if ((tag.name === 'code' || tag.name === 'url') && tag.arg === undefined) {
      const close = closes.find(tag.name, tag.end)
      const body = close < 0 ? '' : text.slice(tag.end, close)
      const closeEnd = close + tag.name.length + 3
      if (close >= 0 && tag.name === 'code') {
        emit({ kind: 'node', node: { type: 'code', text: body } }, i, closeEnd)
      } else if (close >= 0 && isBareUrl(body)) {
        const node: BbNode = { type: 'link', url: body, children: [{ type: 'text', text: body }] }
        emit({ kind: 'node', node }, i, closeEnd)
      } else {
        i++
      }
      continue
    }
    if (isPairedName(tag.name)) {
      const spec = openSpec(tag.name, tag.arg)
      if (spec) emit({ kind: 'open', spec, raw }, i, tag.end)
      else i++
      continue
    }
    const node = standaloneNode(tag.name, tag.arg)
    if (node) emit({ kind: 'node', node }, i, tag.end)
    else i++
  }
  flush(text.length)
  return tokens
}
