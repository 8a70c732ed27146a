import type { BbNode } from '../../../src/render/ast.js'

/**
 * Re-serializes an AST to canonical BB-code: breaks as `\n`, quotes as `>>` lines, lower-case
 * tags except Bitrix's own `[USER=… REPLACE]`, `[CHAT=…]`, `[ATTACH=…]`.
 */
export function toSource(nodes: readonly BbNode[]): string {
  return nodes.map(nodeSource).join('')
}

const STYLE_TAG = { bold: 'b', italic: 'i', underline: 'u', strike: 's' } as const

function wrap(open: string, close: string, children: readonly BbNode[]): string {
  return `[${open}]${toSource(children)}[/${close}]`
}

function nodeSource(node: BbNode): string {
  switch (node.type) {
    case 'text':
      return node.text
    case 'br':
      return '\n'
    case 'bold':
    case 'italic':
    case 'underline':
    case 'strike':
      return wrap(STYLE_TAG[node.type], STYLE_TAG[node.type], node.children)
    case 'link': {
      const only = node.children[0]
      const bare = node.children.length === 1 && only?.type === 'text' && only.text === node.url
      return bare ? `[url]${node.url}[/url]` : wrap(`url=${node.url}`, 'url', node.children)
    }
    case 'mention':
      return wrap(node.userId === 'all' ? 'USER=all' : `USER=${node.userId} REPLACE`, 'USER', node.children)
    case 'chat':
      return wrap(`CHAT=${node.chatId}`, 'CHAT', node.children)
    case 'context':
      return wrap(`context=${node.target}`, 'context', node.children)
    case 'code':
      return `[code]${node.text}[/code]`
    case 'quote':
      return `>>${node.children.map((child) => (child.type === 'br' ? '\n>>' : nodeSource(child))).join('')}`
    case 'icon':
      return `[icon=${node.url}${node.title === undefined ? '' : ` title=${node.title}`}]`
    case 'send':
    case 'put':
      return wrap(`${node.type}=${node.command}`, node.type, node.children)
    case 'size':
      return wrap(`size=${node.size}`, 'size', node.children)
    case 'color':
      return wrap(`color=${node.color}`, 'color', node.children)
    case 'timestamp':
      return `[timestamp=${node.value}${node.format === undefined ? '' : ` format=${node.format}`}]`
    case 'disk':
      return `[disk=${node.fileId}]`
    case 'attach':
      return `[ATTACH=${node.id}]`
    case 'image':
      return `[img${node.size === undefined ? '' : ` size=${node.size}`}]${node.url} [/img]`
    case 'call': {
      const only = node.children[0]
      const bare = node.children.length === 1 && only?.type === 'text' && only.text === node.number
      return bare ? wrap('CALL', 'CALL', node.children) : wrap(`CALL=${node.number}`, 'CALL', node.children)
    }
    case 'dialog':
      return wrap(
        `dialog=${node.dialogId}${node.messageId === undefined ? '' : ` message=${node.messageId}`}`,
        'dialog',
        node.children,
      )
    case 'history':
      return wrap(`PCH=${node.historyId}`, 'PCH', node.children)
    case 'rating':
      return `[RATING=${node.value}]`
  }
}
