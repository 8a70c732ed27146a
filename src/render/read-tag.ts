/**
 * Low-level scanning shared by the block and inline passes. Every scan stops at the next `[`,
 * so the parser stays linear on inputs such as 100k `[` in a row.
 */

export interface RawTag {
  /** Lower-cased tag name. */
  name: string
  closing: boolean
  /** What follows `=`, untrimmed; undefined when the tag has no `=`. */
  arg: string | undefined
  /** Index just past the closing `]`. */
  end: number
}

const MAX_NAME = 12

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
}

/** Reads `[name]`, `[name=arg]` or `[/name]` starting at `start` (which holds `[`); null if none. */
export function readTag(text: string, start: number): RawTag | null {
  let j = start + 1
  const closing = text.charCodeAt(j) === 47 // '/'
  if (closing) j++
  const nameStart = j
  while (j < text.length && isLetter(text.charCodeAt(j)) && j - nameStart <= MAX_NAME) j++
  if (j === nameStart || j - nameStart > MAX_NAME) return null
  const name = text.slice(nameStart, j).toLowerCase()
  const next = text[j]
  if (next === ']') return { name, closing, arg: undefined, end: j + 1 }
  if (next !== '=' || closing) return null
  const argStart = j + 1
  for (let k = argStart; k < text.length; k++) {
    const ch = text[k]
    if (ch === ']') return { name, closing, arg: text.slice(argStart, k), end: k + 1 }
    if (ch === '[' || ch === '\n' || ch === '\r') return null
  }
  return null
}

/** Length of the line break at `i` (`\n`, `\r\n`, `[br]`, `#BR#`, any case), or 0. */
export function lineBreakAt(text: string, i: number): number {
  const ch = text[i]
  if (ch === '\n') return 1
  if (ch === '\r') return text[i + 1] === '\n' ? 2 : 0
  if (ch === '[' || ch === '#') {
    const four = text.slice(i, i + 4).toLowerCase()
    if (four === '[br]' || four === '#br#') return 4
  }
  return 0
}

/**
 * Finds closing tags such as `[/code]` case-insensitively. Remembers the last answer per name:
 * any search starting between that start and its hit has the same answer, which keeps inputs
 * with many unclosed or rejected `[code]`/`[url]` tags linear.
 */
export class CloseFinder {
  private readonly last = new Map<string, { from: number; hit: number }>()

  constructor(private readonly text: string) {}

  find(name: string, from: number): number {
    const cached = this.last.get(name)
    if (cached && from >= cached.from && (cached.hit < 0 || from <= cached.hit)) return cached.hit
    const re = new RegExp(`\\[/${name}\\]`, 'gi')
    re.lastIndex = from
    const hit = re.exec(this.text)?.index ?? -1
    this.last.set(name, { from, hit })
    return hit
  }
}

/** True when `[code]` (any case) starts at `i`. */
export function codeOpenAt(text: string, i: number): boolean {
  return text[i] === '[' && text.slice(i, i + 6).toLowerCase() === '[code]'
}
