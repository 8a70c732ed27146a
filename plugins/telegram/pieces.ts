/**
 * Telegram HTML as a stream of pieces (open tag, close tag, text) rather than a string, so the
 * splitter can count visible characters and cut between pieces without ever parsing HTML back.
 * https://core.telegram.org/bots/api#html-style
 */
export type TagName = 'b' | 'i' | 'u' | 's' | 'a' | 'pre' | 'blockquote'

export interface Tag {
  name: TagName
  /** Only on `a`: an http(s), tg or mailto URL (checked by the formatter). */
  href?: string
}

export type Piece =
  | { type: 'open'; tag: Tag }
  | { type: 'close'; name: TagName }
  | { type: 'text'; text: string }

/** Builds a balanced piece stream; keeps the stack of open tags so blocks can step out of them. */
export class PieceWriter {
  readonly pieces: Piece[] = []
  private readonly stack: Tag[] = []

  isOpen(name: TagName): boolean {
    return this.stack.some((tag) => tag.name === name)
  }

  text(text: string): void {
    if (text !== '') this.pieces.push({ type: 'text', text })
  }

  /** `inner` inside `tag`. */
  wrap(tag: Tag, inner: () => void): void {
    this.stack.push(tag)
    this.pieces.push({ type: 'open', tag })
    inner()
    this.stack.pop()
    this.pieces.push({ type: 'close', name: tag.name })
  }

  /**
   * Close every open tag, run `inner`, reopen them. `pre` may not sit inside any other entity in
   * Telegram ("pre and code can't be part of other entities"), so a code block steps out.
   */
  atTopLevel(inner: () => void): void {
    const open = [...this.stack]
    for (const tag of [...open].reverse()) this.pieces.push({ type: 'close', name: tag.name })
    this.stack.length = 0
    inner()
    for (const tag of open) {
      this.stack.push(tag)
      this.pieces.push({ type: 'open', tag })
    }
  }
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

/** Escape text for Telegram HTML: `&`, `<`, `>` (and `"`, needed inside attributes). */
export function escapeHtml(text: string, attribute = false): string {
  return text.replace(attribute ? /[&<>"]/g : /[&<>]/g, (ch) => entities[ch]!)
}

export function openTagHtml(tag: Tag): string {
  return tag.href === undefined ? `<${tag.name}>` : `<${tag.name} href="${escapeHtml(tag.href, true)}">`
}

export function renderPieces(pieces: readonly Piece[]): string {
  let html = ''
  for (const piece of pieces) {
    if (piece.type === 'text') html += escapeHtml(piece.text)
    else if (piece.type === 'open') html += openTagHtml(piece.tag)
    else html += `</${piece.name}>`
  }
  return html
}

/** What Telegram counts against its limit: the text after entity parsing. */
export function visibleText(pieces: readonly Piece[]): string {
  let text = ''
  for (const piece of pieces) if (piece.type === 'text') text += piece.text
  return text
}
