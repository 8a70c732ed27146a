import type { MirrorMessage } from '../../src/model.js'
import type { BbNode } from '../../src/render/ast.js'
import { fileLabel } from '../../src/render/file-label.js'
import {
  callText,
  formatTimestamp,
  imageLabel,
  ratingText,
  renderPlain,
} from '../../src/render/render-plain.js'
import { type Piece, PieceWriter, type TagName, visibleText } from './pieces.js'

export interface FormatSettings {
  showAuthor: boolean
  /** Empty: no marker. */
  editMarker: string
  showEditedBy: boolean
}

// Only these become links: a `javascript:` URL typed in a chat must not, and `tg://user` links would
// ping Telegram users, which a mirrored Bitrix24 mention must never do.
const safeUrl = /^(https?:\/\/|mailto:|tg:\/\/)/i
const pingUrl = /^tg:\/\/user/i
const styleTags = { bold: 'b', italic: 'i', underline: 'u', strike: 's' } as const

function isLinkable(url: string): boolean {
  return safeUrl.test(url) && !pingUrl.test(url)
}

function styled(w: PieceWriter, name: TagName, inner: () => void): void {
  // `<b>` inside `<b>` adds nothing; skipping it keeps the entity count (100 per message) down.
  if (w.isOpen(name)) inner()
  else w.wrap({ name }, inner)
}

function emit(w: PieceWriter, nodes: readonly BbNode[]): void {
  for (const n of nodes) {
    switch (n.type) {
      case 'text':
        w.text(n.text)
        break
      case 'br':
        w.text('\n')
        break
      case 'bold':
      case 'italic':
      case 'underline':
      case 'strike':
        styled(w, styleTags[n.type], () => emit(w, n.children))
        break
      case 'link':
        // Links cannot contain links; the parser never nests them, this keeps it so regardless.
        if (isLinkable(n.url) && !w.isOpen('a')) w.wrap({ name: 'a', href: n.url }, () => emit(w, n.children))
        else emit(w, n.children)
        break
      case 'code':
        w.atTopLevel(() => w.wrap({ name: 'pre' }, () => w.text(n.text)))
        break
      case 'quote':
        // Telegram: blockquotes can't be nested, and a link can contain no block.
        if (w.isOpen('blockquote') || w.isOpen('a')) emit(w, n.children)
        else w.wrap({ name: 'blockquote' }, () => emit(w, n.children))
        break
      case 'icon':
        w.text(n.title ?? '')
        break
      case 'timestamp':
        w.text(formatTimestamp(n.value))
        break
      case 'disk':
        w.text('[file]')
        break
      case 'attach':
        w.text('[attachment]')
        break
      case 'image':
        if (isLinkable(n.url) && !w.isOpen('a')) w.wrap({ name: 'a', href: n.url }, () => w.text(imageLabel))
        else w.text(`${imageLabel}: ${n.url}`)
        break
      case 'rating':
        w.text(ratingText(n.value))
        break
      case 'call':
        w.text(callText(renderPlain(n.children), n.number))
        break
      default:
        // Mentions (names, never pings), chat and message links, keyboard commands, size, color.
        emit(w, n.children)
    }
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** `edited 11:33 UTC by Anna Petrova`; the reader's zone is unknown, so UTC is said out loud. */
export function editedByLine(msg: MirrorMessage): string {
  const at = new Date(msg.editedAt)
  const time = Number.isNaN(at.getTime()) ? '' : ` ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())} UTC`
  return `edited${time}${msg.author ? ` by ${msg.author.name}` : ''}`
}

/**
 * The whole message as Telegram HTML pieces: author line, body (struck when deleted), edit or
 * deletion marker, "edited by" line, files as links, and a note when the text is unverified.
 */
export function formatMessage(msg: MirrorMessage, settings: FormatSettings): Piece[] {
  const w = new PieceWriter()
  if (settings.showAuthor && msg.author) {
    w.wrap({ name: 'b' }, () => w.text(`${msg.author!.name}:`))
    w.text('\n')
  }
  const body = new PieceWriter()
  emit(body, msg.ast)
  const empty = visibleText(body.pieces).trim() === ''
  if (empty && msg.files.length === 0) w.wrap({ name: 'i' }, () => w.text('(no text)'))
  else if (msg.kind === 'deleted') styled(w, 's', () => emit(w, msg.ast))
  else if (!empty) emit(w, msg.ast)
  if (msg.kind === 'deleted') {
    w.text(' ')
    w.wrap({ name: 'i' }, () => w.text('(deleted)'))
  } else if (msg.kind === 'updated' && settings.editMarker !== '') {
    w.text(' ')
    w.wrap({ name: 'i' }, () => w.text(settings.editMarker))
  }
  if (msg.kind === 'updated' && settings.showEditedBy) {
    w.text('\n')
    w.wrap({ name: 'i' }, () => w.text(editedByLine(msg)))
  }
  for (const file of msg.files) {
    // `📎 report.pdf (1.2 MB) — open in Bitrix24 — login needed`: the name is text (escaped), the
    // link's words say whether it needs a Bitrix24 login.
    const label = fileLabel(file)
    w.text(`${empty && file === msg.files[0] ? '' : '\n'}📎 ${label.text} · `)
    const href = label.href
    if (href !== undefined && isLinkable(href)) w.wrap({ name: 'a', href }, () => w.text(label.linkText))
    else w.wrap({ name: 'i' }, () => w.text(label.linkText))
  }
  if (msg.unverified) {
    w.text('\n')
    w.wrap({ name: 'i' }, () =>
      w.text('⚠ unverified: Bitrix24 could not be read back; text taken from the event'),
    )
  }
  return w.pieces
}
