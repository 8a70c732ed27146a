/**
 * BB-code → AST, tolerant by design (BITRIX24.md §3). Two passes:
 * 1. block: split into lines (`\n`, `[br]`, `#BR#`, never inside `[code]…[/code]`) and group quote
 *    lines: a run of lines starting `>>`, or the lines between two lines of exactly 54 dashes (the
 *    separator Bitrix24 writes, `-{54}` in Bitrix\Im\Text; a typed line of other length stays text);
 * 2. inline: tags inside each group (`build-inline.ts`).
 * The line break that ends a quote's last line stays a `br` after the quote node.
 * Unknown, unclosed and crossed tags stay literal text; the parser never throws and runs in
 * linear time on any input.
 */
import type { BbNode } from './ast.js'
import { appendNodes, buildInline } from './build-inline.js'
import { CloseFinder, codeOpenAt, lineBreakAt } from './read-tag.js'
import { tokenizeInline } from './tokenize-inline.js'

interface Line {
  start: number
  /** End of the line's content. */
  end: number
  /** End including the line break (equals `end` on the last line). */
  next: number
}

const DASH_LINE = /^-{54}[ \t]*$/

function splitLines(text: string): Line[] {
  const lines: Line[] = []
  const closes = new CloseFinder(text)
  let start = 0
  let i = 0
  while (i < text.length) {
    if (codeOpenAt(text, i)) {
      const close = closes.find('code', i + 6)
      if (close >= 0) {
        i = close + 7
        continue
      }
    }
    const brLength = lineBreakAt(text, i)
    if (brLength === 0) {
      i++
      continue
    }
    lines.push({ start, end: i, next: i + brLength })
    i += brLength
    start = i
  }
  lines.push({ start, end: text.length, next: text.length })
  return lines
}

function parseInline(source: string, depth: number): BbNode[] {
  return buildInline(tokenizeInline(source), depth)
}

function parseBlocks(text: string): BbNode[] {
  const lines = splitLines(text)
  const isQuoteLine = (line: Line): boolean => text.startsWith('>>', line.start)
  const isDashLine = (line: Line): boolean => DASH_LINE.test(text.slice(line.start, line.end))
  // nextDash[k]: index of the first dash line after line k, or -1; keeps dashed quotes linear.
  const nextDash = new Int32Array(lines.length).fill(-1)
  for (let k = lines.length - 2; k >= 0; k--) {
    const following = lines[k + 1] as Line
    nextDash[k] = isDashLine(following) ? k + 1 : (nextDash[k + 1] ?? -1)
  }

  const out: BbNode[] = []
  let plainStart = 0
  const pushQuote = (source: string, plainUpTo: number, last: Line): void => {
    appendNodes(out, parseInline(text.slice(plainStart, plainUpTo), 0))
    out.push({ type: 'quote', children: parseInline(source, 1) })
    if (last.next > last.end) out.push({ type: 'br' })
    plainStart = last.next
  }
  let k = 0
  while (k < lines.length) {
    const line = lines[k] as Line
    const closing = nextDash[k] ?? -1
    if (isQuoteLine(line)) {
      let source = ''
      let last: Line | undefined
      for (; k < lines.length && isQuoteLine(lines[k] as Line); k++) {
        const current = lines[k] as Line
        if (last) source += text.slice(last.end, last.next)
        source += text.slice(current.start + 2, current.end)
        last = current
      }
      pushQuote(source, line.start, last ?? line)
    } else if (closing > k + 1 && isDashLine(line)) {
      const first = lines[k + 1] as Line
      const lastInside = lines[closing - 1] as Line
      pushQuote(text.slice(first.start, lastInside.end), line.start, lines[closing] as Line)
      k = closing + 1
    } else {
      k++
    }
  }
  appendNodes(out, parseInline(text.slice(plainStart), 0))
  return out
}

/** Parses Bitrix24 BB-code into the AST every output formats from. Never throws. */
export function parseBbCode(text: string): BbNode[] {
  if (typeof text !== 'string' || text === '') return []
  try {
    return parseBlocks(text)
  } catch {
    // Defence in depth: a parser bug must not lose the message, so fall back to its raw text.
    return [{ type: 'text', text }]
  }
}
