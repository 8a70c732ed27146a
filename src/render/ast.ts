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

/** `[USER=12 REPLACE]Ivan Orlov[/USER]`: a Bitrix user; outputs show the name, never a ping. */
export interface MentionNode {
  type: 'mention'
  userId: string
  children: BbNode[]
}

/** `[CHAT=44]Sales chat[/CHAT]`. */
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
