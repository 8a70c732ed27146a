import type { BbNode } from '../../../src/render/ast.js'

/** Every node of the tree with its depth (1 = top level), iteratively so deep trees are fine. */
export function walk(nodes: readonly BbNode[]): { node: BbNode; depth: number }[] {
  const out: { node: BbNode; depth: number }[] = []
  const stack = nodes.map((node) => ({ node, depth: 1 })).reverse()
  for (let item = stack.pop(); item; item = stack.pop()) {
    out.push(item)
    if ('children' in item.node) {
      const depth = item.depth + 1
      for (let k = item.node.children.length - 1; k >= 0; k--) {
        stack.push({ node: item.node.children[k] as BbNode, depth })
      }
    }
  }
  return out
}

export function ofType<T extends BbNode['type']>(
  nodes: readonly BbNode[],
  type: T,
): Extract<BbNode, { type: T }>[] {
  return walk(nodes)
    .map((item) => item.node)
    .filter((node): node is Extract<BbNode, { type: T }> => node.type === type)
}

/** Text a reader sees from text and code nodes, in order (urls and attributes excluded). */
export function visibleText(nodes: readonly BbNode[]): string {
  return walk(nodes)
    .map(({ node }) => (node.type === 'text' || node.type === 'code' ? node.text : ''))
    .join('')
}
