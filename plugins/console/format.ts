import type { MirrorConversation, MirrorMessage } from '../../src/model.js'
import { conversationHeader } from '../../src/plugins/conversation-header.js'
import { fileFields } from '../../src/render/file-fields.js'
import { fileLabel } from '../../src/render/file-label.js'

/** What happened to the mirror: `send` creates it, `update` edits it, `delete` (or a deleted message) removes it. */
export type ConsoleAction = 'created' | 'updated' | 'deleted'

const indent = '   '

function header(action: ConsoleAction, msg: MirrorMessage): string {
  const facts = [
    `portal ${msg.portal}`,
    `line ${msg.line}`,
    msg.connector,
    `chat ${msg.chatId}`,
    `message ${msg.messageId}`,
  ].join(' · ')
  const author = msg.author ? ` (${msg.author.name})` : ''
  const who = msg.conversation?.customerName ? ` · with ${msg.conversation.customerName}` : ''
  return `── [${action}] ${facts}${who}${author}`
}

/** The banner a chat's first message gets: who and where, the chat title and its link. */
export function formatConversation(conversation: MirrorConversation, previousSeq?: number): string {
  const lines = [`══ ${conversationHeader(conversation)} ══`]
  const session = conversation.sessionId === undefined ? '' : ` · session ${conversation.sessionId}`
  lines.push(`${indent}chat ${conversation.chatId} "${conversation.title}"${session} <${conversation.url}>`)
  if (previousSeq !== undefined) lines.push(`${indent}continues the conversation of block #${previousSeq}`)
  return `${lines.join('\n')}\n`
}

/**
 * A readable block: a header line, then the plain text indented, the edit marker after an edited
 * text, attached files, and a note when the text could not be read back from Bitrix24.
 */
export function formatText(action: ConsoleAction, msg: MirrorMessage, editMarker: string): string {
  const lines = [header(action, msg)]
  const text = msg.plainText === '' ? ['(no text)'] : msg.plainText.split('\n')
  if (action === 'updated' && editMarker !== '') {
    // After a closing quote block the marker gets its own line: it marks the message, not the quote.
    if (text[text.length - 1]?.startsWith('> ')) text.push(editMarker)
    else text[text.length - 1] += ` ${editMarker}`
  }
  for (const line of text) lines.push(indent + line)
  for (const file of msg.files) {
    const label = fileLabel(file)
    const link = label.href === undefined ? label.linkText : `${label.linkText}: <${label.href}>`
    lines.push(`${indent}file: ${label.text} · ${link}`)
  }
  if (msg.unverified)
    lines.push(`${indent}[unverified] text taken from the event; Bitrix24 could not be read back`)
  return `${lines.join('\n')}\n`
}

/** One JSON object per line, for `jq` and log shippers. */
export function formatJson(action: ConsoleAction, msg: MirrorMessage, seq: number | undefined): string {
  const record = {
    action,
    seq,
    portal: msg.portal,
    domain: msg.domain,
    connector: msg.connector,
    line: msg.line,
    chatId: msg.chatId,
    messageId: msg.messageId,
    author: msg.author,
    text: msg.plainText,
    files: msg.files.map(fileFields),
    editedAt: msg.editedAt,
    unverified: msg.unverified === true ? true : undefined,
    conversation: msg.conversation,
  }
  return `${JSON.stringify(record)}\n`
}
