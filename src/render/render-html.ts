import type { BbNode } from './ast.js'
import { callText, formatTimestamp, imageLabel, ratingText, renderPlain } from './render-plain.js'

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escape text for HTML content and for quoted attributes (either quote). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => entities[ch]!)
}

/** Text with its line breaks as `<br>`. */
export function escapeLines(text: string): string {
  return escapeHtml(text).replaceAll('\n', '<br>')
}

// Only these schemes become links: a `javascript:` or `data:` URL typed in a chat must stay text.
const safeUrl = /^(https?:\/\/|mailto:)/i

export function isSafeUrl(url: string): boolean {
  return safeUrl.test(url.trim())
}

const safeColor = /^(#[0-9a-f]{3,8}|[a-z]+)$/i
const styleTags = { bold: 'b', italic: 'i', underline: 'u', strike: 's' } as const

function node(n: BbNode): string {
  switch (n.type) {
    case 'text':
      return escapeLines(n.text)
    case 'br':
      return '<br>'
    case 'bold':
    case 'italic':
    case 'underline':
    case 'strike': {
      const tag = styleTags[n.type]
      return `<${tag}>${formatHtml(n.children)}</${tag}>`
    }
    case 'link': {
      const label = formatHtml(n.children)
      if (!isSafeUrl(n.url)) return label
      return `<a href="${escapeHtml(n.url.trim())}">${label === '' ? escapeHtml(n.url) : label}</a>`
    }
    case 'code':
      return `<pre><code>${escapeHtml(n.text)}</code></pre>`
    case 'quote':
      return `<blockquote>${formatHtml(n.children)}</blockquote>`
    case 'color':
      // Mail clients keep inline styles; the pattern keeps anything else out of the attribute.
      return safeColor.test(n.color)
        ? `<span style="color:${n.color}">${formatHtml(n.children)}</span>`
        : formatHtml(n.children)
    case 'timestamp':
      return escapeHtml(formatTimestamp(n.value))
    case 'icon':
      return n.title === undefined ? '' : escapeHtml(n.title)
    case 'disk':
      return '[file]'
    case 'attach':
      return '[attachment]'
    case 'image':
      // Never an <img>: a mail client would fetch a URL an operator typed. A link says what it is.
      return isSafeUrl(n.url)
        ? `<a href="${escapeHtml(n.url.trim())}">${imageLabel}</a>`
        : escapeHtml(`${imageLabel}: ${n.url}`)
    case 'rating':
      return escapeHtml(ratingText(n.value))
    case 'call':
      return escapeLines(callText(renderPlain(n.children), n.number))
    // Mentions show the name (never a link a reader could mistake for a contact); chat and message
    // links, keyboard commands and sizes show their label.
    case 'mention':
    case 'chat':
    case 'context':
    case 'send':
    case 'put':
    case 'size':
    case 'dialog':
    case 'history':
      return formatHtml(n.children)
  }
}

/** The AST as simple HTML (b, i, u, s, a, pre, code, blockquote, span, br); every text is escaped. */
export function formatHtml(nodes: readonly BbNode[]): string {
  return nodes.map(node).join('')
}
