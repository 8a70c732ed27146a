/**
 * What each BB-code tag means (BITRIX24.md §3): which tags pair up, which stand alone, and how
 * their `=argument` is validated. A tag whose argument does not validate stays literal text, so a
 * formatter never receives a colour or size it could not safely put into markup.
 */
import type { BbNode, IconNode, TimestampNode } from './ast.js'

/** Tags that open a frame and need a matching `[/name]`. */
export type PairedName =
  | 'b'
  | 'i'
  | 'u'
  | 's'
  | 'url'
  | 'user'
  | 'chat'
  | 'context'
  | 'send'
  | 'put'
  | 'size'
  | 'color'
  | 'call'
  | 'dialog'
  | 'pch'

const PAIRED = new Set<string>([
  'b',
  'i',
  'u',
  's',
  'url',
  'user',
  'chat',
  'context',
  'send',
  'put',
  'size',
  'color',
  'call',
  'dialog',
  'pch',
])

/** Tags that become links in outputs; they never nest (Telegram rejects nested anchors). */
const LINK_LIKE = new Set<string>(['url', 'user', 'chat', 'context', 'send', 'put', 'call', 'dialog', 'pch'])

export function isPairedName(name: string): name is PairedName {
  return PAIRED.has(name)
}

export function isLinkLike(name: string): boolean {
  return LINK_LIKE.has(name)
}

const STYLE = { b: 'bold', i: 'italic', u: 'underline', s: 'strike' } as const

/** A validated opening tag: builds its node once the children are known. */
export interface OpenSpec {
  name: PairedName
  build(children: BbNode[]): BbNode
}

function unquote(value: string): string {
  const v = value.trim()
  const q = v[0]
  if (v.length >= 2 && (q === '"' || q === "'") && v.endsWith(q)) return v.slice(1, -1).trim()
  return v
}

/** Plain text of inline children, used as the command of `[send]label[/send]` without `=`. */
function textOf(children: BbNode[]): string {
  let out = ''
  for (const node of children) {
    if (node.type === 'text') out += node.text
    else if ('children' in node) out += textOf(node.children)
  }
  return out
}

const COLOR = /^(#[0-9a-f]{3,8}|[a-z]{3,20})$/i

/** Validates an opening paired tag; null means "keep it as literal text". */
export function openSpec(name: PairedName, rawArg: string | undefined): OpenSpec | null {
  const arg = rawArg === undefined ? undefined : unquote(rawArg)
  switch (name) {
    case 'b':
    case 'i':
    case 'u':
    case 's': {
      if (arg !== undefined) return null
      const type = STYLE[name]
      return { name, build: (children) => ({ type, children }) }
    }
    case 'url':
      // `[url]x[/url]` (no argument) is read verbatim by the tokenizer, never as a frame.
      if (!arg) return null
      return { name, build: (children) => ({ type: 'link', url: arg, children }) }
    case 'user': {
      const first = arg?.split(/\s+/)[0] ?? ''
      const userId = first.toLowerCase() === 'all' ? 'all' : first
      if (!/^(\d{1,12}|all)$/.test(userId)) return null
      return { name, build: (children) => ({ type: 'mention', userId, children }) }
    }
    case 'chat':
      // `imol|789`: an open-line chat (Bitrix\Im\Text, im utils: `\[CHAT=(imol\|)?(\d+)]`).
      if (!arg || !/^(imol\|)?[\w-]{1,40}$/i.test(arg)) return null
      return { name, build: (children) => ({ type: 'chat', chatId: arg, children }) }
    case 'call':
      // `[CALL]+1999…[/CALL]` takes the number from its text; a number never holds brackets.
      if (arg !== undefined && !/^[+\d\s().#*-]{1,40}$/.test(arg)) return null
      return { name, build: (children) => ({ type: 'call', number: arg || textOf(children), children }) }
    case 'dialog': {
      // `\[dialog=(chat\d+|\d+)(?: message=(\d+))?]` as the im module reads it.
      const m =
        arg === undefined
          ? null
          : /^(chat\d{1,20}|\d{1,20}(?::\d{1,20})?)(?:\s+message=(\d{1,20}))?$/i.exec(arg)
      if (!m) return null
      const dialogId = m[1] as string
      const messageId = m[2]
      return {
        name,
        build: (children) =>
          messageId === undefined
            ? { type: 'dialog', dialogId, children }
            : { type: 'dialog', dialogId, messageId, children },
      }
    }
    case 'pch': {
      if (!arg || !/^\d{1,20}$/.test(arg)) return null
      return { name, build: (children) => ({ type: 'history', historyId: arg, children }) }
    }
    case 'context':
      if (!arg || /\s/.test(arg)) return null
      return { name, build: (children) => ({ type: 'context', target: arg, children }) }
    case 'send':
    case 'put':
      return { name, build: (children) => ({ type: name, command: arg || textOf(children), children }) }
    case 'size': {
      if (!arg || !/^\d{1,3}$/.test(arg)) return null
      const size = Number(arg)
      return { name, build: (children) => ({ type: 'size', size, children }) }
    }
    case 'color':
      if (!arg || !COLOR.test(arg)) return null
      return { name, build: (children) => ({ type: 'color', color: arg, children }) }
  }
}

/** Splits `url key=value key2=value with spaces` into the first word and its attributes. */
function splitAttrs(arg: string): { head: string; attrs: Map<string, string> } {
  const trimmed = arg.trim()
  const space = trimmed.search(/\s/)
  const head = space < 0 ? trimmed : trimmed.slice(0, space)
  const attrs = new Map<string, string>()
  if (space >= 0) {
    // A value runs until the next ` key=`, so a title may contain spaces.
    for (const m of trimmed.slice(space).matchAll(/\s+([a-z_]+)=(.*?)(?=\s+[a-z_]+=|$)/gi)) {
      attrs.set((m[1] ?? '').toLowerCase(), unquote(m[2] ?? ''))
    }
  }
  return { head: unquote(head), attrs }
}

/** Validates a stand-alone tag (`[icon=…]`, `[timestamp=…]`, `[disk=…]`, `[ATTACH=…]`, `[RATING=…]`). */
export function standaloneNode(name: string, arg: string | undefined): BbNode | null {
  if (arg === undefined) return null
  const { head, attrs } = splitAttrs(arg)
  if (head === '') return null
  switch (name) {
    case 'icon': {
      const node: IconNode = { type: 'icon', url: head }
      const title = attrs.get('title')
      if (title) node.title = title
      return node
    }
    case 'timestamp': {
      if (!/^\d{1,11}$/.test(head)) return null
      const node: TimestampNode = { type: 'timestamp', value: Number(head) }
      const format = attrs.get('format')
      if (format) node.format = format
      return node
    }
    case 'disk':
      return /^\w{1,40}$/.test(head) ? { type: 'disk', fileId: head } : null
    case 'attach':
      return /^\w{1,40}$/.test(head) ? { type: 'attach', id: head } : null
    case 'rating':
      // `[RATING=1..5]` (Bitrix\Im\Text::removeBbCodes: `\[RATING=([1-5]{1})\]`).
      return /^[1-5]$/.test(head) && attrs.size === 0 ? { type: 'rating', value: Number(head) } : null
    default:
      return null
  }
}
