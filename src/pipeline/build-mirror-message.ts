import { createHash } from 'node:crypto'
import type { BitrixMessage } from '../bitrix/types.js'
import type { MirrorConversation, MirrorMessage, NormalizedEvent } from '../model.js'
import { parseBbCode } from '../render/parse-bbcode.js'
import { renderPlain } from '../render/render-plain.js'

/** The routing facts and identity every mirror message carries, from the event. */
function base(portal: string, event: NormalizedEvent) {
  return {
    portal,
    domain: event.domain,
    connector: event.connector,
    line: event.line,
    chatId: event.chatId,
    messageId: event.messageId,
    editedAt: new Date(event.ts * 1000).toISOString(),
    kind: event.kind,
  }
}

/** The message as outputs see it, built once per read and shared by every output. */
export function buildMirrorMessage(
  portal: string,
  event: NormalizedEvent,
  read: BitrixMessage,
  unverified: boolean,
  conversation?: MirrorConversation,
): MirrorMessage {
  const ast = parseBbCode(read.text)
  const message: MirrorMessage = {
    ...base(portal, event),
    ast,
    plainText: renderPlain(ast),
    bbcode: read.text,
    files: read.files,
  }
  if (read.authorName !== undefined) message.author = { id: read.authorId, name: read.authorName }
  if (unverified) message.unverified = true
  if (conversation !== undefined) message.conversation = conversation
  return message
}

/** A deleted message carries no text of its own: outputs act on the mirror they already have. */
export function buildDeletedMessage(
  portal: string,
  event: NormalizedEvent,
  conversation?: MirrorConversation,
): MirrorMessage {
  const message: MirrorMessage = {
    ...base(portal, event),
    kind: 'deleted',
    ast: [],
    plainText: '',
    bbcode: '',
    files: [],
  }
  if (conversation !== undefined) message.conversation = conversation
  return message
}

/** A deleted message shown as the mirror's last text struck through (`policy.deleted: strike`). */
export function struckMessage(msg: MirrorMessage, text: string): MirrorMessage {
  return { ...msg, ast: [{ type: 'strike', children: [{ type: 'text', text }] }], plainText: text }
}

/** What an output would render, hashed: equal hash → the mirror is already up to date. */
export function contentHash(message: MirrorMessage): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        message.kind === 'deleted',
        message.bbcode,
        message.files,
        message.author?.name ?? null,
        message.unverified === true,
      ]),
    )
    .digest('base64url')
}
