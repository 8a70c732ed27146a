/**
 * AST → CommonMark, for plugins whose target speaks Markdown (GitHub, Matrix, Mattermost, Discord…).
 * Every character an operator typed that Markdown would read as markup is backslash-escaped, so a
 * chat line like `2*3*4` or `_init_` arrives as typed; styles, links, quotes and code are ours.
 */
import type { BbNode } from './ast.js'
import { isSafeUrl } from './render-html.js'
import { callText, formatTimestamp, imageLabel, ratingText, renderPlain } from './render-plain.js'

// CommonMark's ASCII punctuation that can start or end markup (spec 2.4: any ASCII punctuation may
// be backslash-escaped). `.` only matters after a number at a line start (an ordered list item).
const markup = /[\\`*_{}[\]()<>#+\-|~]/g
const orderedListStart = /(^|\n)(\d+)\./g

/** Text with Markdown's markup characters escaped, so it renders literally. */
export function escapeMarkdown(text: string): string {
  return text.replace(markup, '\\$&').replace(orderedListStart, '$1$2\\.')
}

// A hard line break that survives every CommonMark renderer (two trailing spaces are often trimmed).
const lineBreak = '\\\n'

function escapeLines(text: string): string {
  return escapeMarkdown(text).replaceAll('\n', lineBreak)
}

// Parentheses, angle brackets and spaces would end a link destination early.
function destination(url: string): string {
  return url
    .trim()
    .replace(/[()<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

const styleMarks = { bold: '**', italic: '*', strike: '~~' } as const

function fence(text: string): string {
  // A fence longer than any backtick run inside the code, so the code cannot close it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(longest + 1)
  return `\n${ticks}\n${text}\n${ticks}\n`
}

function node(n: BbNode): string {
  switch (n.type) {
    case 'text':
      return escapeLines(n.text)
    case 'br':
      return lineBreak
    case 'bold':
    case 'italic':
    case 'strike': {
      const inner = formatMarkdown(n.children)
      return inner === '' ? '' : `${styleMarks[n.type]}${inner}${styleMarks[n.type]}`
    }
    case 'link': {
      const label = formatMarkdown(n.children)
      if (!isSafeUrl(n.url)) return label
      // Parentheses, angle brackets and spaces would end the link destination early.
      const url = n.url
        .trim()
        .replace(/[()<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
      return `[${label === '' ? escapeMarkdown(n.url.trim()) : label}](${url})`
    }
    case 'code':
      return fence(n.text)
    case 'quote':
      return `\n${formatMarkdown(n.children)
        .split('\n')
        .map((line) => `> ${line}`)
        .join('\n')}\n\n`
    case 'timestamp':
      return escapeMarkdown(formatTimestamp(n.value))
    case 'icon':
      return n.title === undefined ? '' : escapeMarkdown(n.title)
    case 'disk':
      return '\\[file\\]'
    case 'attach':
      return '\\[attachment\\]'
    case 'image':
      // A link, never `![…]`: the reader's client would fetch a URL an operator typed.
      return isSafeUrl(n.url)
        ? `[${imageLabel}](${destination(n.url)})`
        : escapeMarkdown(`${imageLabel}: ${n.url}`)
    case 'rating':
      return escapeMarkdown(ratingText(n.value))
    case 'call':
      return escapeLines(callText(renderPlain(n.children), n.number))
    default:
      // underline (no Markdown form), mention, chat, context, send/put, size, color, dialog, history:
      // the label.
      return formatMarkdown(n.children)
  }
}

/** The AST as CommonMark; every text is escaped, only `http(s):`/`mailto:` links become links. */
export function formatMarkdown(nodes: readonly BbNode[]): string {
  let out = ''
  nodes.forEach((n, i) => {
    // A quote already ends its block with a blank line: the break after it would start the next
    // paragraph with a stray backslash.
    if (n.type === 'br' && nodes[i - 1]?.type === 'quote') return
    out += node(n)
  })
  return out
}
