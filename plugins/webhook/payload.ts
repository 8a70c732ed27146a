import type { MirrorConversation, MirrorMessage } from '../../src/model.js'
import type { ExternalRef } from '../../src/plugins/api.js'
import { conversationHeader } from '../../src/plugins/conversation-header.js'
import { type FileFields, fileFields } from '../../src/render/file-fields.js'
import { formatHtml } from './format.js'

export type WebhookAction = 'created' | 'updated' | 'deleted'

/** The JSON body every webhook receives. */
export interface WebhookPayload {
  action: WebhookAction
  portal: string
  domain: string
  line: number
  connector: string
  chatId: number
  messageId: number
  /** Plain text (mentions as names, links as `label (url)`). */
  text: string
  /** The raw BB-code as Bitrix24 returned it. */
  bbcode: string
  /** Simple escaped HTML, only with `includeHtml: true`. */
  html?: string
  author?: { id: number; name: string }
  /** `{id, name, size?, url, publicUrl?}`: `url` needs a Bitrix24 login, `publicUrl` does not (README). */
  files: FileFields[]
  editedAt: string
  /** Present (true) when the text came from the event because Bitrix24 could not be read back. */
  unverified?: true
  /** What the receiver (or the bridge) returned for this message before; null when creating. */
  ref: ExternalRef
  /** On `created` only: also sent as the `Idempotency-Key` header; a repeat means the same message. */
  idempotencyKey?: string
  /** The open-line chat the message belongs to, with the one-line `header` outputs show for it. */
  conversation?: MirrorConversation & { header: string }
}

export function buildPayload(
  action: WebhookAction,
  msg: MirrorMessage,
  ref: ExternalRef,
  includeHtml: boolean,
): WebhookPayload {
  const payload: WebhookPayload = {
    action,
    portal: msg.portal,
    domain: msg.domain,
    line: msg.line,
    connector: msg.connector,
    chatId: msg.chatId,
    messageId: msg.messageId,
    text: msg.plainText,
    bbcode: msg.bbcode,
    files: msg.files.map(fileFields),
    editedAt: msg.editedAt,
    ref: ref ?? null,
  }
  if (includeHtml) payload.html = formatHtml(msg.ast)
  if (msg.author) payload.author = msg.author
  if (msg.unverified) payload.unverified = true
  if (action === 'created' && msg.idempotencyKey !== undefined) payload.idempotencyKey = msg.idempotencyKey
  if (msg.conversation !== undefined) {
    payload.conversation = { ...msg.conversation, header: conversationHeader(msg.conversation) }
  }
  return payload
}
