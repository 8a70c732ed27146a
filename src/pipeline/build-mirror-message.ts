import { createHash } from 'node:crypto'
import type { BitrixMessage } from '../bitrix/types.js'
import type { MirrorMessage, NormalizedEvent } from '../model.js'
import { parseBbCode } from '../render/parse-bbcode.js'
import { renderPlain } from '../render/render-plain.js'

/** The message as outputs see it, built once per read and shared by every output. */
export function buildMirrorMessage(
  portal: string,
  event: NormalizedEvent,
  read: BitrixMessage,
  unverified: boolean,
): MirrorMessage {
  const ast = parseBbCode(read.text)
  const message: MirrorMessage = {
    portal,
    domain: event.domain,
    connector: event.connector,
    line: event.line,
    chatId: event.chatId,
    messageId: event.messageId,
    ast,
    plainText: renderPlain(ast),
    bbcode: read.text,
    files: read.files,
    editedAt: new Date(event.ts * 1000).toISOString(),
    kind: event.kind,
  }
  if (read.authorName !== undefined) message.author = { id: read.authorId, name: read.authorName }
  if (unverified) message.unverified = true
  return message
}

/** A deleted message carries no text of its own: outputs act on the mirror they already have. */
export function buildDeletedMessage(portal: string, event: NormalizedEvent): MirrorMessage {
  return {
    portal,
    domain: event.domain,
    connector: event.connector,
    line: event.line,
    chatId: event.chatId,
    messageId: event.messageId,
    ast: [],
    plainText: '',
    bbcode: '',
    files: [],
    editedAt: new Date(event.ts * 1000).toISOString(),
    kind: 'deleted',
  }
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
