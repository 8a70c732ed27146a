/**
 * The BB-code AST every output formats from. Produced once per message by `parseBbCode`.
 * Tags follow BITRIX24.md §3; anything unknown or broken stays a `text` node with its literal
 * source, so nothing an operator typed is ever dropped.
 */
export type BbNode =
  | TextNode
  | LineBreakNode
  | StyleNode
  | LinkNode
  | MentionNode
  | ChatLinkNode
  | ContextNode
  | CodeNode
  | QuoteNode
  | IconNode
  | CommandNode
  | SizeNode
  | ColorNode
  | TimestampNode
  | DiskNode
  | AttachNode
  | ImageNode
  | CallNode
  | DialogNode
  | HistoryNode
  | RatingNode

/** Plain text, entities already unescaped (raw `<`, `&` are text, never markup). */
export interface TextNode {
  type: 'text'
  text: string
}

/** `[br]`, `#BR#` or a newline. */
export interface LineBreakNode {
  type: 'br'
}

/** `[b] [i] [u] [s]`. */
export interface StyleNode {
  type: 'bold' | 'italic' | 'underline' | 'strike'
  children: BbNode[]
}

/** `[url]https://…[/url]` (children = the url as text) or `[url=https://…]label[/url]`. */
export interface LinkNode {
  type: 'link'
  url: string
  children: BbNode[]
}

/**
 * `[USER=12 REPLACE]Ivan Orlov[/USER]`: a Bitrix user; `[USER=all]Everyone[/USER]`: every member.
 * Outputs show the name, never a ping.
 */
export interface MentionNode {
  type: 'mention'
  /** Digits, or `all`. */
  userId: string
  children: BbNode[]
}

/** `[CHAT=44]Sales chat[/CHAT]`; `[CHAT=imol|789]Line[/CHAT]` names an open-line chat (`imol|789`). */
export interface ChatLinkNode {
  type: 'chat'
  chatId: string
  children: BbNode[]
}

/** `[context=chat1024/2050]this message[/context]`: a link to another message. */
export interface ContextNode {
  type: 'context'
  target: string
  children: BbNode[]
}

/** `[code]…[/code]`: content kept verbatim, tags inside are not parsed. */
export interface CodeNode {
  type: 'code'
  text: string
}

/** Lines starting `>>`, or a block between two lines of dashes. */
export interface QuoteNode {
  type: 'quote'
  children: BbNode[]
}

/** `[icon=https://… size=15 title=ok]`. */
export interface IconNode {
  type: 'icon'
  url: string
  title?: string
}

/** `[send=Yes]Confirm[/send]`, `[put=/search]Search[/put]`: chat keyboard helpers. */
export interface CommandNode {
  type: 'send' | 'put'
  command: string
  children: BbNode[]
}

/** `[size=20]big[/size]`. */
export interface SizeNode {
  type: 'size'
  size: number
  children: BbNode[]
}

/** `[color=#ff0000]red[/color]`. */
export interface ColorNode {
  type: 'color'
  color: string
  children: BbNode[]
}

/** `[timestamp=1714649632 format=SHORT_DATE_FORMAT]`. */
export interface TimestampNode {
  type: 'timestamp'
  /** Unix seconds. */
  value: number
  format?: string
}

/** `[disk=331]`: a Bitrix Drive file. */
export interface DiskNode {
  type: 'disk'
  fileId: string
}

/** `[ATTACH=1]`: a rich attachment kept in message params. */
export interface AttachNode {
  type: 'attach'
  id: string
}

/**
 * `[img size=medium]https://…/pic.jpg [/img]`: an image by URL (size `small|medium|large`, optional
 * here; Bitrix24 needs a space before `[/img]`, which is trimmed).
 */
export interface ImageNode {
  type: 'image'
  url: string
  size?: string
}

/** `[CALL=+19991234567]Call[/CALL]` or `[CALL]+19991234567[/CALL]`: a phone number to call. */
export interface CallNode {
  type: 'call'
  number: string
  children: BbNode[]
}

/** `[dialog=chat12 message=34]label[/dialog]`: a link to a dialog (and a message in it). */
export interface DialogNode {
  type: 'dialog'
  dialogId: string
  messageId?: string
  children: BbNode[]
}

/** `[PCH=5]label[/PCH]`: a link to an open-line session history (Bitrix24 shows the label). */
export interface HistoryNode {
  type: 'history'
  historyId: string
  children: BbNode[]
}

/** `[RATING=4]`: the customer's rating of the open-line session, 1..5. */
export interface RatingNode {
  type: 'rating'
  value: number
}
