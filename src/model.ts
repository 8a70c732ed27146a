import type { BbNode } from './render/ast.js'

/** What a Bitrix24 open-line event means, whatever shape it came in (one per DATA item). */
export type EventKind = 'updated' | 'added' | 'deleted'

export interface NormalizedEvent {
  kind: EventKind
  /** Stable portal id (`auth.member_id`). */
  memberId: string
  /** Portal domain as the event named it (`auth.domain`). */
  domain: string
  /** `data.CONNECTOR`, e.g. `telegrambot`. */
  connector: string
  /** `data.LINE`, the open line id. */
  line: number
  /** Bitrix chat id (`im.chat_id`). */
  chatId: number
  /** Bitrix message id (`im.message_id`). */
  messageId: number
  /** Connector-side chat id, when the event carried one. */
  externalChatId?: string
  /** Connector-side message ids (`message.id` in the server shape). */
  externalMessageIds: string[]
  /** `message.text` from the event: a hint only, the canonical text is read back through REST. */
  textHint?: string
  /** Event timestamp (`ts`), seconds. */
  ts: number
  /** The editing user's access token, when a user caused the event. */
  userToken?: string
}

/**
 * A file attached to a message (`files[]` of `im.dialog.messages.get`). Bitrix24's own links open
 * only for a logged-in Bitrix24 user; outputs say so (src/render/file-label.ts).
 */
export interface MirrorFile {
  /** Bitrix24 Disk file id (`files[].id`, also in `params.FILE_ID`); 0 when unknown. */
  id: number
  /** As Bitrix24 sent it (untrusted: outputs clean and cap it through fileLabel). */
  name: string
  /** Bytes, when Bitrix24 said (`files[].size`). */
  size?: number
  /** `urlShow`, else `urlDownload`: a portal page that needs a Bitrix24 login. '' while uploading. */
  url: string
  /** `disk.file.getExternalLink` (bitrix.files: public-link): opens without a login. */
  publicUrl?: string
}

export interface MirrorAuthor {
  id: number
  name: string
}

/**
 * The Bitrix24 open-line chat a message belongs to: what an output needs to keep one thread per
 * chat and to title it. Read once per chat (`imopenlines.dialog.get`, in the same batch as the
 * messages), cached in the store, refreshed when a new session starts.
 */
export interface MirrorConversation {
  /** Portal key, as `MirrorMessage.portal`. */
  portal: string
  chatId: number
  /** Connector id, e.g. `telegrambot`. */
  connector: string
  /** Open line id. */
  line: number
  /** Open-line session id, when Bitrix24 named it (a returning customer starts a new one). */
  sessionId?: number
  /** Chat title in Bitrix24 (`Ivan Petrov - Support`), or `Chat <id>` when it could not be read. */
  title: string
  /** The customer's name, when the title names one. */
  customerName?: string
  /** Link that opens the chat in Bitrix24. */
  url: string
}

/** What output plugins receive: one message in its current state. */
export interface MirrorMessage {
  /** Portal key: member_id, or the domain for a hand-configured portal without one. */
  portal: string
  domain: string
  connector: string
  line: number
  chatId: number
  messageId: number
  author?: MirrorAuthor
  /** Parsed BB-code. */
  ast: BbNode[]
  /** The same text rendered as plain text (mentions as names, links as `label (url)`). */
  plainText: string
  /** The raw BB-code text as Bitrix24 returned it. */
  bbcode: string
  files: MirrorFile[]
  /** ISO time of the edit (message date, or the event time). */
  editedAt: string
  kind: EventKind
  /** Plain text of what this output showed before, when known. */
  previousText?: string
  /** True when the text came from the event itself because no REST read could see the message. */
  unverified?: boolean
  /**
   * Set on `send` only: stable across retries of one creation. A retry after a crash between the
   * output call and the bridge storing its ref carries the same key, so a target that deduplicates
   * by it (webhook `Idempotency-Key`, email `Message-ID`) or a plugin's `recover` sees one message.
   */
  idempotencyKey?: string
  /** The chat this message belongs to (absent only on jobs queued by a bridge without conversations). */
  conversation?: MirrorConversation
}
