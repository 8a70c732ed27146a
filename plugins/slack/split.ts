/**
 * Mrkdwn parts no longer than a limit. Lines are packed whole; a longer line is split between
 * runs, then a long text run at whitespace, and only as a last resort between two characters.
 * Raw text is escaped after it is cut, so an entity (`&amp;`) or a `<url|label>` is never cut.
 */
import { escapedLength, runCharLength } from './escape.js'
import type { Line, Run } from './layout.js'
import { markerCost, renderLine } from './render-line.js'

type Cost = (ch: string) => number

/**
 * Cut raw text into chunks whose summed cost fits the budget, preferring to cut after whitespace
 * (after a newline in `preferNewline` mode). Never cuts inside a surrogate pair.
 */
export function chunkText(text: string, budget: number, cost: Cost, preferNewline = false): string[] {
  const chars = [...text]
  const chunks: string[] = []
  let start = 0
  while (start < chars.length) {
    let used = 0
    let end = start
    let soft = -1
    while (end < chars.length) {
      const ch = chars[end]!
      const c = cost(ch)
      if (used + c > budget) break
      used += c
      end++
      if (preferNewline ? ch === '\n' : /\s/.test(ch)) soft = end
    }
    if (end === chars.length) soft = end
    // A budget smaller than one character still moves forward, one character at a time.
    const cut = soft > start ? soft : Math.max(end, start + 1)
    chunks.push(chars.slice(start, cut).join(''))
    start = cut
  }
  return chunks
}

function codePieces(line: Extract<Line, { kind: 'code' }>, limit: number): string[] {
  const base = renderLine({ ...line, text: '' }).length
  // Upper bounds: escaping, the zero-width space between backtick runs, a quote prefix per line.
  const cost: Cost = (ch) => escapedLength(ch) + (ch === '`' ? 1 : 0) + (line.quote && ch === '\n' ? 2 : 0)
  return chunkText(line.text, limit - base, cost, true).map((text) =>
    renderLine({ ...line, text: text.endsWith('\n') ? text.slice(0, -1) : text }),
  )
}

/** Words (with the whitespace after them) of text runs; tokens stay whole. */
function atoms(runs: readonly Run[], budget: number): Run[] {
  const out: Run[] = []
  for (const run of runs) {
    const room = budget - markerCost(run.styles)
    if (run.kind === 'token') {
      if (run.text.length <= room) out.push(run)
      // A link longer than a message: its label alone still says what it was.
      else out.push(...atoms([{ kind: 'text', text: run.fallback ?? '', styles: run.styles }], budget))
      continue
    }
    for (const word of run.text.match(/\S*\s*/g) ?? []) {
      if (word === '') continue
      const parts = chunkText(word, room, runCharLength)
      for (const text of parts) out.push({ kind: 'text', text, styles: run.styles })
    }
  }
  return out
}

function atomCost(run: Run): number {
  const body =
    run.kind === 'token' ? run.text.length : [...run.text].reduce((n, ch) => n + runCharLength(ch), 0)
  return body + markerCost(run.styles)
}

function textPieces(line: Extract<Line, { kind: 'text' }>, limit: number): string[] {
  const budget = limit - (line.quote ? 2 : 0)
  const pieces: Run[][] = []
  let current: Run[] = []
  let used = 0
  // The cost is an upper bound: runs that share styles share markers once rendered.
  for (const atom of atoms(line.runs, budget)) {
    const cost = atomCost(atom)
    if (current.length > 0 && used + cost > budget) {
      pieces.push(current)
      current = []
      used = 0
    }
    current.push(atom)
    used += cost
  }
  if (current.length > 0) pieces.push(current)
  return pieces.map((runs) => renderLine({ ...line, runs }))
}

/** Render lines into as few parts as fit, each at most `limit` characters, split on line boundaries first. */
export function splitLines(lines: readonly Line[], limit: number): string[] {
  const parts: string[] = []
  let current: string | undefined
  const add = (text: string): void => {
    if (current === undefined) {
      // A part never starts with an empty line.
      if (text !== '') current = text
    } else if (current.length + 1 + text.length <= limit) {
      current += `\n${text}`
    } else {
      parts.push(current)
      current = text === '' ? undefined : text
    }
  }
  for (const line of lines) {
    const text = renderLine(line)
    if (text.length <= limit) add(text)
    else
      for (const piece of line.kind === 'code' ? codePieces(line, limit) : textPieces(line, limit)) add(piece)
  }
  if (current !== undefined) parts.push(current)
  return parts
}
