/**
 * Telegram's `parse_mode: HTML`, as the fake Bot API checks it (https://core.telegram.org/bots/api#html-style).
 * Deliberately stricter than Telegram where Telegram is lenient: a raw `&` that is not an entity or a
 * raw `>` is refused here (Telegram keeps them as text), so an escaping slip in a formatter shows up.
 */
export interface ParsedEntity {
  type: string
  offset: number
  length: number
  url?: string
}

export interface ParsedHtml {
  text: string
  entities: ParsedEntity[]
}

export class HtmlParseError extends Error {}

const tagTypes: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  a: 'text_link',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
}
const styles = new Set(['bold', 'italic', 'underline', 'strikethrough', 'spoiler'])
const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' }

interface Open {
  name: string
  type: string
  offset: number
  url?: string
}

function decodeEntity(html: string, i: number): { ch: string; end: number } | undefined {
  const m = /^&(lt|gt|amp|quot|#(\d{1,7})|#x([0-9a-f]{1,6}));/i.exec(html.slice(i, i + 12))
  if (!m) return undefined
  const code = m[2] ? Number(m[2]) : m[3] ? Number.parseInt(m[3], 16) : undefined
  if (code !== undefined && (code === 0 || code > 0x10ffff)) return undefined
  const ch = code === undefined ? named[m[1]!.toLowerCase()]! : String.fromCodePoint(code)
  return { ch, end: i + m[0].length }
}

function decodeAll(value: string, fail: (what: string) => never): string {
  let out = ''
  for (let i = 0; i < value.length; ) {
    if (value[i] !== '&') {
      out += value[i]
      i += 1
      continue
    }
    const entity = decodeEntity(value, i) ?? fail('Unsupported HTML entity in attribute')
    out += entity.ch
    i = entity.end
  }
  return out
}

/** Why `child` may not open inside `parent` (Telegram's nesting rules), or undefined when it may. */
function nestingProblem(parent: Open, child: string): string | undefined {
  if (parent.type === 'pre' && child === 'code') return undefined
  if (parent.type === 'pre' || parent.type === 'code') return `pre and code can't contain ${child}`
  if (child === 'pre' || child === 'code') return `${child} can't be part of ${parent.type}`
  if (child === 'blockquote' && parent.type === 'blockquote') return "blockquotes can't be nested"
  if (parent.type === 'text_link' && !styles.has(child)) return `a link can't contain ${child}`
  return undefined
}

/** Parse like Telegram; throws HtmlParseError with Telegram's kind of description. */
export function parseTelegramHtml(html: string): ParsedHtml {
  let text = ''
  const entities: ParsedEntity[] = []
  const stack: Open[] = []
  let i = 0
  const fail = (what: string): never => {
    throw new HtmlParseError(`${what} at byte offset ${Buffer.byteLength(html.slice(0, i))}`)
  }
  while (i < html.length) {
    const ch = html[i]!
    if (ch === '&') {
      const entity = decodeEntity(html, i) ?? fail('Unsupported HTML entity')
      text += entity.ch
      i = entity.end
    } else if (ch === '>') {
      fail("Unescaped '>'")
    } else if (ch !== '<') {
      text += ch
      i += 1
    } else if (html[i + 1] === '/') {
      const m = /^<\/([a-z-]+)\s*>/i.exec(html.slice(i)) ?? fail('Unclosed end tag')
      const top = stack.pop()
      if (!top || top.name !== m[1]!.toLowerCase()) {
        fail(`Unmatched end tag, expected "</${top?.name ?? ''}>", found "</${m[1]}>"`)
      }
      const entity: ParsedEntity = { type: top!.type, offset: top!.offset, length: text.length - top!.offset }
      if (top!.url !== undefined) entity.url = top!.url
      if (entity.length > 0) entities.push(entity)
      i += m[0].length
    } else {
      const m = /^<([a-z-]+)((?:\s+[a-z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*>/i.exec(
        html.slice(i),
      )
      if (!m) fail('Unsupported start tag')
      const name = m![1]!.toLowerCase()
      const type = tagTypes[name] ?? fail(`Unsupported start tag "${name}"`)
      const attrs = new Map<string, string>()
      for (const a of m![2]!.matchAll(/([a-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/gi)) {
        attrs.set(a[1]!.toLowerCase(), decodeAll(a[2] ?? a[3] ?? a[4] ?? '', fail))
      }
      const allowed =
        { a: ['href'], span: ['class'], code: ['class'], blockquote: ['expandable'] }[name] ?? []
      for (const key of attrs.keys())
        if (!allowed.includes(key)) fail(`Unsupported attribute "${key}" in tag "${name}"`)
      if (name === 'span' && attrs.get('class') !== 'tg-spoiler')
        fail('Tag "span" must have class "tg-spoiler"')
      const open: Open = { name, type, offset: text.length }
      if (name === 'a') {
        const href = attrs.get('href') ?? ''
        if (!/^(https?:\/\/[^\s]+|tg:\/\/[^\s]+|mailto:[^\s]+)$/i.test(href)) fail(`Wrong URL "${href}"`)
        open.url = href
      }
      for (const parent of stack) {
        const problem = nestingProblem(parent, type)
        if (problem) fail(problem)
      }
      stack.push(open)
      i += m![0].length
    }
  }
  const unclosed = stack.pop()
  if (unclosed) throw new HtmlParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`)
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text, entities }
}
