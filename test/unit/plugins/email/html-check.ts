/**
 * A strict checker for the HTML the email plugin writes: only known tags, balanced, attributes
 * quoted and limited, links only to http(s)/mailto, and no raw `<`, `>` or stray `&` in text.
 * Returns the problems found (empty when the markup is clean).
 */
const allowedTags = new Set([
  'html',
  'head',
  'meta',
  'body',
  'p',
  'div',
  'span',
  'b',
  'i',
  'u',
  's',
  'del',
  'a',
  'pre',
  'code',
  'blockquote',
  'br',
  'ul',
  'li',
])
const voidTags = new Set(['br', 'meta'])
const allowedAttributes = new Set(['href', 'style', 'charset'])
const tagPattern = /^<(\/?)([a-z]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>/
const attributePattern = /\s+([a-z-]+)="([^"<>]*)"/g
const entityPattern = /^&(amp|lt|gt|quot|#39);/

export function checkHtml(html: string): string[] {
  const problems: string[] = []
  const stack: string[] = []
  let i = 0
  const source = html.replace(/^<!doctype html>/i, '')
  while (i < source.length) {
    const ch = source[i]!
    if (ch === '<') {
      const tag = tagPattern.exec(source.slice(i))
      if (!tag) {
        problems.push(`raw < at ${i}: ${JSON.stringify(source.slice(i, i + 20))}`)
        i += 1
        continue
      }
      const [whole, closing, name, attrs] = tag as unknown as [string, string, string, string]
      if (!allowedTags.has(name)) problems.push(`tag <${name}> is not allowed`)
      for (const [, attr, value] of attrs.matchAll(attributePattern)) {
        if (!allowedAttributes.has(attr!)) problems.push(`attribute ${attr} on <${name}>`)
        if (attr === 'href' && !/^(https?:\/\/|mailto:)/i.test(value!)) problems.push(`unsafe href ${value}`)
        if (value!.includes('&') && !/^(?:[^&]|&(amp|lt|gt|quot|#39);)*$/.test(value!)) {
          problems.push(`unescaped & in ${attr}`)
        }
      }
      if (closing) {
        const open = stack.pop()
        if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`)
      } else if (!voidTags.has(name)) {
        stack.push(name)
      }
      i += whole.length
      continue
    }
    if (ch === '>') problems.push(`raw > at ${i}`)
    if (ch === '&' && !entityPattern.test(source.slice(i, i + 6))) {
      problems.push(`stray & at ${i}: ${JSON.stringify(source.slice(i, i + 10))}`)
    }
    i += 1
  }
  for (const open of stack) problems.push(`<${open}> is never closed`)
  return problems
}

const decoded: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }

/** What a reader sees: tags dropped, `<br>` as a newline, entities decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<br>/g, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => decoded[name]!)
}
