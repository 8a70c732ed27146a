/**
 * AST → lines of styled runs: the model both the renderer and the splitter work on. Slack styles
 * do not span lines, so styles travel with every run instead of wrapping whole subtrees.
 */
import type { BbNode } from '../../src/render/ast.js'
import { renderPlain } from '../../src/render/index.js'
import { callText, imageLabel, ratingText } from '../../src/render/render-plain.js'
import { dateToken, isSafeUrl, linkToken } from './escape.js'

export const BOLD = 1
export const ITALIC = 2
export const STRIKE = 4

/** `text`: raw text, escaped when rendered; `token`: finished mrkdwn (a link, a date), never split. */
export interface Run {
  kind: 'text' | 'token'
  text: string
  styles: number
  /** For tokens: the raw text to show instead when the token alone is longer than a message. */
  fallback?: string
}

export type Line =
  | { kind: 'text'; quote: boolean; runs: Run[] }
  | { kind: 'code'; quote: boolean; text: string }

const styleBits = { bold: BOLD, italic: ITALIC, strike: STRIKE } as const

class LineBuilder {
  readonly lines: Line[] = []
  private current: Run[] = []
  private quote = false
  // A block (quote, code) ends its own line; the line break the parser leaves after it is swallowed.
  private afterBlock = false

  run(run: Run): void {
    if (run.text === '') return
    this.current.push(run)
    this.afterBlock = false
  }

  text(text: string, styles: number): void {
    text.split('\n').forEach((piece, index) => {
      if (index > 0) this.newline()
      this.run({ kind: 'text', text: piece, styles })
    })
  }

  newline(): void {
    if (this.afterBlock && this.current.length === 0) {
      this.afterBlock = false
      return
    }
    this.flush()
  }

  code(text: string): void {
    if (this.current.length > 0) this.flush()
    this.lines.push({ kind: 'code', quote: this.quote, text })
    this.afterBlock = true
  }

  quoted(walk: () => void): void {
    if (this.current.length > 0) this.flush()
    const outer = this.quote
    this.quote = true
    walk()
    if (this.current.length > 0) this.flush()
    this.quote = outer
    this.afterBlock = true
  }

  finish(): Line[] {
    if (this.current.length > 0) this.flush()
    while (this.lines.length > 0 && isBlank(this.lines[this.lines.length - 1]!)) this.lines.pop()
    return this.lines
  }

  private flush(): void {
    this.lines.push({ kind: 'text', quote: this.quote, runs: this.current })
    this.current = []
  }
}

function isBlank(line: Line): boolean {
  return line.kind === 'text' && line.runs.every((r) => r.kind === 'text' && r.text.trim() === '')
}

function walk(nodes: readonly BbNode[], styles: number, out: LineBuilder): void {
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        out.text(node.text, styles)
        break
      case 'br':
        out.newline()
        break
      case 'bold':
      case 'italic':
      case 'strike':
        walk(node.children, styles | styleBits[node.type], out)
        break
      case 'link': {
        const label = renderPlain(node.children)
        if (isSafeUrl(node.url))
          out.run({ kind: 'token', text: linkToken(node.url, label), styles, fallback: label })
        else walk(node.children, styles, out)
        break
      }
      case 'code':
        out.code(node.text)
        break
      case 'quote':
        out.quoted(() => walk(node.children, styles, out))
        break
      case 'icon':
        out.text(node.title ?? '', styles)
        break
      case 'timestamp':
        out.run({ kind: 'token', text: dateToken(node.value, '{date_short_pretty} {time}'), styles })
        break
      case 'disk':
        out.text('[file]', styles)
        break
      case 'attach':
        out.text('[attachment]', styles)
        break
      case 'image':
        if (isSafeUrl(node.url))
          out.run({ kind: 'token', text: linkToken(node.url, imageLabel), styles, fallback: node.url })
        else out.text(`${imageLabel}: ${node.url}`, styles)
        break
      case 'rating':
        out.text(ratingText(node.value), styles)
        break
      case 'call':
        out.text(callText(renderPlain(node.children), node.number), styles)
        break
      // Slack has no underline, sizes or colours; mentions, chat and message links and keyboard
      // commands show their label as plain text (a name, never an `<@U…>` ping).
      default:
        walk(node.children, styles, out)
    }
  }
}

/** The lines of an AST; trailing blank lines dropped. */
export function layoutNodes(nodes: readonly BbNode[]): Line[] {
  const out = new LineBuilder()
  walk(nodes, 0, out)
  return out.finish()
}
