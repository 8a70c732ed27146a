import type { MirrorMessage } from '../../src/model.js'
import { fileLabel } from '../../src/render/file-label.js'
import { escapeHtml, escapeLines, formatHtml, isSafeUrl } from './format.js'

/** `created` starts a thread; `edited` and `deleted` are follow-ups in it. */
export type EmailAction = 'created' | 'edited' | 'deleted'

export interface BodySettings {
  showPrevious: boolean
  /** Empty: no marker. */
  editMarker: string
  showAuthor: boolean
  showEditedBy: boolean
}

export interface MailBody {
  text: string
  html: string
}

/** One paragraph of the mail, in both renderings. */
interface Block {
  text: string
  html: string
}

const muted = 'color:#6b6b6b'

function hhmm(iso: string): string | undefined {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return undefined
  return `${date.toISOString().slice(11, 16)} UTC`
}

function editedBy(action: EmailAction, msg: MirrorMessage): Block | undefined {
  const time = hhmm(msg.editedAt)
  if (time === undefined) return undefined
  const line = `${action === 'deleted' ? 'deleted' : 'edited'} ${time}${msg.author ? ` by ${msg.author.name}` : ''}`
  return { text: line, html: `<p style="${muted}">${escapeHtml(line)}</p>` }
}

function mainText(action: EmailAction, msg: MirrorMessage, marker: string): Block {
  if (action === 'deleted') {
    const notice = 'This message was deleted.'
    return { text: notice, html: `<p><i>${notice}</i></p>` }
  }
  const suffix =
    marker === ''
      ? { text: '', html: '' }
      : {
          text: ` ${marker}`,
          html: ` <span style="${muted}">${escapeHtml(marker)}</span>`,
        }
  if (msg.plainText.trim() === '') {
    return { text: `(no text)${suffix.text}`, html: `<p><i>(no text)</i>${suffix.html}</p>` }
  }
  return { text: msg.plainText + suffix.text, html: `<div>${formatHtml(msg.ast)}${suffix.html}</div>` }
}

function previous(text: string): Block {
  const indented = text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
  return {
    text: `was:\n${indented}`,
    html: `<p style="${muted}">was:</p><div style="${muted}"><del>${escapeLines(text)}</del></div>`,
  }
}

/** `report.pdf (1.2 MB) — open in Bitrix24 — login needed: <url>`; the name escaped in the HTML part. */
function files(msg: MirrorMessage): Block {
  const labels = msg.files.map(fileLabel)
  const text = labels.map((l) => {
    const href = l.href !== undefined && isSafeUrl(l.href) ? l.href : undefined
    return `- ${l.text} · ${l.linkText}${href === undefined ? '' : `: ${href}`}`
  })
  const items = labels.map((l) => {
    const link =
      l.href !== undefined && isSafeUrl(l.href)
        ? `<a href="${escapeHtml(l.href)}">${escapeHtml(l.linkText)}</a>`
        : `<i>${escapeHtml(l.linkText)}</i>`
    return `<li>${escapeHtml(l.text)} · ${link}</li>`
  })
  return { text: `Files:\n${text.join('\n')}`, html: `<p>Files:</p><ul>${items.join('')}</ul>` }
}

function footer(msg: MirrorMessage): Block {
  const facts = [
    `Open line ${msg.line}`,
    msg.connector,
    `chat ${msg.chatId}`,
    `message ${msg.messageId}`,
    msg.domain,
  ].join(' · ')
  return { text: `-- \n${facts}`, html: `<p style="${muted};font-size:12px">${escapeHtml(facts)}</p>` }
}

/**
 * The body of one mail: author, the text (with the edit marker once edited), the provenance line,
 * the previous text struck through, files as links, and a footer naming the chat. The text part
 * comes from `plainText` (links as `label (url)`), the HTML part from the AST.
 */
export function composeBody(action: EmailAction, msg: MirrorMessage, settings: BodySettings): MailBody {
  const blocks: Block[] = []
  if (settings.showAuthor && msg.author) {
    const name = msg.author.name
    blocks.push({ text: `${name}:`, html: `<p><b>${escapeHtml(name)}</b>:</p>` })
  }
  // A first mirror of a message that was already edited (kind `updated`) carries the marker too.
  const edited = action === 'edited' || (action === 'created' && msg.kind === 'updated')
  blocks.push(mainText(action, msg, edited ? settings.editMarker : ''))
  if (settings.showEditedBy && (edited || action === 'deleted')) {
    const line = editedBy(action, msg)
    if (line) blocks.push(line)
  }
  // Under policy `strike` a deleted message carries its old text as plainText.
  const before = action === 'deleted' ? (msg.previousText ?? msg.plainText) : msg.previousText
  const changed = action === 'deleted' || before !== msg.plainText
  if (settings.showPrevious && action !== 'created' && before && before.trim() !== '' && changed) {
    blocks.push(previous(before))
  }
  if (action !== 'deleted' && msg.files.length > 0) blocks.push(files(msg))
  if (msg.unverified && action !== 'deleted') {
    const note = 'Text taken from the event: Bitrix24 could not be read back.'
    blocks.push({ text: `[${note}]`, html: `<p style="${muted}"><i>${note}</i></p>` })
  }
  blocks.push(footer(msg))
  const text = `${blocks.map((b) => b.text).join('\n\n')}\n`
  const body = blocks.map((b) => b.html).join('\n')
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"></head><body>\n${body}\n</body></html>\n`
  return { text, html }
}
