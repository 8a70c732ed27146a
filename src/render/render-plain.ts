/**
 * AST → plain text: for email text parts, logs, webhook `plainText`, and the hash that decides
 * whether a mirror changed. Styles are dropped; nothing the reader needs (link targets, quoted
 * text, code) is. Recursion is safe: the parser bounds AST depth (MAX_NESTING).
 */
import type { BbNode } from './ast.js'

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** `2024-05-02 11:33 UTC`: outputs cannot know the reader's zone or Bitrix's format names. */
export function formatTimestamp(seconds: number): string {
  const date = new Date(seconds * 1000)
  if (Number.isNaN(date.getTime())) return String(seconds)
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`
  return `${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`
}

/** `[RATING=4]` as every output shows it. */
export function ratingText(value: number): string {
  return `(rated ${value}/5)`
}

/** `[CALL=+1999…]Call us[/CALL]` → `Call us (+1999…)`; the number alone when it is the label. */
export function callText(label: string, number: string): string {
  return label === '' || label === number ? number : `${label} (${number})`
}

/** `[img]` as text: the reader gets the URL (outputs that can, make it a link labelled so). */
export const imageLabel = 'image'

function renderNode(node: BbNode): string {
  switch (node.type) {
    case 'text':
      return node.text
    case 'br':
      return '\n'
    case 'code':
      return node.text
    case 'link': {
      const label = renderPlain(node.children)
      return label === '' || label === node.url ? node.url : `${label} (${node.url})`
    }
    case 'quote':
      return renderPlain(node.children)
        .split('\n')
        .map((line) => `> ${line}`)
        .join('\n')
    case 'icon':
      return node.title ?? ''
    case 'timestamp':
      return formatTimestamp(node.value)
    case 'disk':
      return '[file]'
    case 'attach':
      return '[attachment]'
    case 'image':
      return `${imageLabel}: ${node.url}`
    case 'rating':
      return ratingText(node.value)
    case 'call':
      return callText(renderPlain(node.children), node.number)
    default:
      // bold/italic/underline/strike, mention, chat, context, dialog, history, send/put, size,
      // color: the label.
      return renderPlain(node.children)
  }
}

/** Renders nodes as plain text. */
export function renderPlain(nodes: readonly BbNode[]): string {
  let out = ''
  for (const node of nodes) out += renderNode(node)
  return out
}
