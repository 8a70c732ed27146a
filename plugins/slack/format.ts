import type { MirrorFile, MirrorMessage } from '../../src/model.js'
import type { BbNode } from '../../src/render/ast.js'
import { fileLabel } from '../../src/render/file-label.js'
import { dateToken, isSafeUrl, linkToken } from './escape.js'
import { BOLD, ITALIC, type Line, layoutNodes, type Run } from './layout.js'
import { renderLine } from './render-line.js'
import { splitLines } from './split.js'

export interface FormatSettings {
  showAuthor: boolean
  showEditedBy: boolean
  /** Appended to edited messages; '' for none. */
  editMarker: string
}

export const deletedMarker = '(deleted)'

const text = (value: string, styles = 0): Run => ({ kind: 'text', text: value, styles })
const line = (...runs: Run[]): Line => ({ kind: 'text', quote: false, runs })

/** The AST as Slack mrkdwn (https://api.slack.com/reference/surfaces/formatting). */
export function formatMrkdwn(nodes: readonly BbNode[]): string {
  return layoutNodes(nodes).map(renderLine).join('\n')
}

// Under policy `strike` the pipeline already strikes a deleted message through; a deletion that
// arrives any other way is struck here, so a deleted text never looks current.
function bodyOf(msg: MirrorMessage): readonly BbNode[] {
  if (msg.kind !== 'deleted') return msg.ast
  const only = msg.ast.length === 1 ? msg.ast[0] : undefined
  return only?.type === 'strike' ? msg.ast : [{ type: 'strike', children: [...msg.ast] }]
}

function hhmm(iso: string): { seconds: number; fallback: string } | undefined {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return undefined
  return { seconds: Math.floor(ms / 1000), fallback: `${new Date(ms).toISOString().slice(11, 16)} UTC` }
}

function editedByLine(msg: MirrorMessage): Line {
  const runs: Run[] = [text('edited ', ITALIC)]
  const at = hhmm(msg.editedAt)
  if (at) runs.push({ kind: 'token', text: dateToken(at.seconds, '{time}', at.fallback), styles: ITALIC })
  if (msg.author) runs.push(text(`${at ? ' ' : ''}by ${msg.author.name}`, ITALIC))
  return line(...runs)
}

/** Every line of one mirror: author, text, edit marker, provenance notes and files. */
export function layoutMessage(msg: MirrorMessage, settings: FormatSettings): Line[] {
  const lines: Line[] = []
  if (settings.showAuthor && msg.author) lines.push(line(text(`${msg.author.name}:`, BOLD)))
  const body = layoutNodes(bodyOf(msg))
  if (body.length === 0 && msg.files.length === 0) body.push(line(text('(no text)', ITALIC)))
  const marker = msg.kind === 'deleted' ? deletedMarker : msg.kind === 'updated' ? settings.editMarker : ''
  if (marker !== '') {
    const last = body[body.length - 1]
    if (last?.kind === 'text') last.runs.push(text(' '), text(marker, ITALIC))
    else body.push(line(text(marker, ITALIC)))
  }
  lines.push(...body)
  if (settings.showEditedBy && msg.kind === 'updated') lines.push(editedByLine(msg))
  if (msg.unverified) {
    lines.push(
      line(text('unverified: taken from the Bitrix24 event, the message could not be read back', ITALIC)),
    )
  }
  for (const file of msg.files) lines.push(fileLine(file))
  return lines
}

/** `📎 report.pdf (1.2 MB) · <url|open in Bitrix24 — login needed>`: the name is text, escaped. */
function fileLine(file: MirrorFile): Line {
  const label = fileLabel(file)
  const runs: Run[] = [text('📎 '), text(label.text), text(' · ')]
  if (label.href !== undefined && isSafeUrl(label.href)) {
    const fallback = `${label.linkText}: ${label.href}`
    runs.push({ kind: 'token', text: linkToken(label.href, label.linkText), styles: 0, fallback })
  } else runs.push(text(label.linkText, ITALIC))
  return line(...runs)
}

/** The mirror as one or more mrkdwn texts, each at most `limit` characters. */
export function formatParts(msg: MirrorMessage, settings: FormatSettings, limit: number): string[] {
  return splitLines(layoutMessage(msg, settings), limit)
}
