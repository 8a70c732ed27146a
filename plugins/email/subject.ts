import type { MirrorMessage } from '../../src/model.js'
import { conversationHeader } from '../../src/plugins/conversation-header.js'

const placeholder = /\{(line|connector|chatId|portal|domain|messageId|header|title|customer)\}/g

/**
 * The subject of a new thread from `subjectTemplate`. Unknown `{names}` stay as typed, so a typo
 * shows in the first mail instead of vanishing. Line breaks are removed: a header is one line.
 */
export function renderSubject(template: string, msg: MirrorMessage): string {
  const values: Record<string, string> = {
    line: String(msg.line),
    connector: msg.connector,
    chatId: String(msg.chatId),
    portal: msg.portal,
    domain: msg.domain,
    messageId: String(msg.messageId),
  }
  const conversation = msg.conversation
  if (conversation !== undefined) {
    values.header = conversationHeader(conversation)
    values.title = conversation.title
    values.customer = conversation.customerName ?? conversation.title
  }
  return template
    .replace(placeholder, (_, name: string) => values[name] ?? '')
    .replace(/[\r\n]+/g, ' ')
    .trim()
}
