import type { BbNode } from '../../src/render/ast.js'

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

/** Escape text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => entities[ch]!)
}

// Only these schemes become links: a `javascript:` URL typed in a chat must not turn into one.
const safeUrl = /^(https?:|mailto:|tel:)/i
const safeColor = /^(#[0-9a-f]{3,8}|[a-z]+)$/i
const styleTags = { bold: 'b', italic: 'i', underline: 'u', strike: 's' } as const

function node(n: BbNode): string {
  switch (n.type) {
    case 'text':
      return escapeHtml(n.text).replaceAll('\n', '<br>')
    case 'br':
      return '<br>'
    case 'bold':
    case 'italic':
    case 'underline':
    case 'strike': {
      const tag = styleTags[n.type]
      return `<${tag}>${formatHtml(n.children)}</${tag}>`
    }
    case 'link':
      return safeUrl.test(n.url)
        ? `<a href="${escapeHtml(n.url)}">${formatHtml(n.children)}</a>`
        : formatHtml(n.children)
    case 'code':
      return `<pre><code>${escapeHtml(n.text)}</code></pre>`
    case 'quote':
      return `<blockquote>${formatHtml(n.children)}</blockquote>`
    case 'color':
      return safeColor.test(n.color)
        ? `<span style="color:${n.color}">${formatHtml(n.children)}</span>`
        : formatHtml(n.children)
    case 'timestamp': {
      const iso = new Date(n.value * 1000).toISOString()
      return `<time datetime="${iso}">${iso}</time>`
    }
    case 'icon':
      return n.title ? escapeHtml(n.title) : ''
    case 'disk':
      return `[file ${escapeHtml(n.fileId)}]`
    case 'attach':
      // Rich attachments live in message params the bridge does not read; nothing to show.
      return ''
    // Mentions, chat and message links, keyboard commands and sizes: show their label only.
    case 'mention':
    case 'chat':
    case 'context':
    case 'send':
    case 'put':
    case 'size':
      return formatHtml(n.children)
  }
}

/** The AST as simple HTML (b, i, u, s, a, pre, blockquote, br); every text is escaped. */
export function formatHtml(nodes: readonly BbNode[]): string {
  return nodes.map(node).join('')
}
