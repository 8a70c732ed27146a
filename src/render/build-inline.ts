/**
 * Turns inline tokens into nodes in two linear passes with explicit stacks (no recursion, so 10k
 * nested tags cannot overflow the call stack).
 *
 * Pass 1 decides which open/close tokens pair up. The rule: a closing tag closes the innermost
 * open tag of the same name; open tags crossed on the way (`[b][i]x[/b]`: the `[i]`) were never
 * closed and stay literal text, as does a closing tag with nothing to close and any tag still open
 * at the end. Their content is parsed normally. Link-like tags never nest, and nesting deeper than
 * MAX_NESTING stays literal, so the AST depth is bounded and formatters may recurse safely.
 * Pass 2 builds the tree from the pairs, merging adjacent text.
 */
import type { BbNode } from './ast.js'
import { isLinkLike } from './tag-specs.js'
import type { Token } from './tokenize-inline.js'

/** Deepest nesting of paired tags kept as markup; real messages stay far below it. */
export const MAX_NESTING = 32

/** Appends text to `nodes`, merging with a trailing text node. */
export function appendText(nodes: BbNode[], text: string): void {
  if (text === '') return
  const last = nodes[nodes.length - 1]
  if (last?.type === 'text') last.text += text
  else nodes.push({ type: 'text', text })
}

/** Appends nodes, merging text at the seam. */
export function appendNodes(target: BbNode[], nodes: BbNode[]): void {
  for (const node of nodes) {
    if (node.type === 'text') appendText(target, node.text)
    else target.push(node)
  }
}

/** Pass 1: partner[i] is the index of the token paired with token i, or -1 (literal). */
function pairTokens(tokens: Token[], maxDepth: number): Int32Array {
  const partner = new Int32Array(tokens.length).fill(-1)
  const stack: { index: number; name: string }[] = []
  const openCount = new Map<string, number>()
  let linkDepth = 0
  const count = (name: string, delta: number): void => {
    openCount.set(name, (openCount.get(name) ?? 0) + delta)
    if (isLinkLike(name)) linkDepth += delta
  }
  tokens.forEach((token, index) => {
    if (token.kind === 'open') {
      const name = token.spec.name
      if (stack.length >= maxDepth || (isLinkLike(name) && linkDepth > 0)) return
      stack.push({ index, name })
      count(name, 1)
    } else if (token.kind === 'close' && (openCount.get(token.name) ?? 0) > 0) {
      // Crossed frames are dropped (left literal) until the matching one is on top; the count
      // guarantees it is on the stack, so each token is popped at most once overall.
      let opener = stack.pop()
      while (opener) {
        count(opener.name, -1)
        if (opener.name === token.name) break
        opener = stack.pop()
      }
      if (opener) {
        partner[opener.index] = index
        partner[index] = opener.index
      }
    }
  })
  return partner
}

interface Frame {
  token: Token
  children: BbNode[]
}

/** Builds nodes from tokens; `depth` is the nesting already used by an enclosing quote. */
export function buildInline(tokens: Token[], depth = 0): BbNode[] {
  const partner = pairTokens(tokens, Math.max(0, MAX_NESTING - depth))
  const root: BbNode[] = []
  const frames: Frame[] = []
  const top = (): BbNode[] => frames[frames.length - 1]?.children ?? root
  tokens.forEach((token, index) => {
    switch (token.kind) {
      case 'text':
        appendText(top(), token.text)
        return
      case 'node':
        top().push(token.node)
        return
      case 'open':
        if (partner[index] === -1) appendText(top(), token.raw)
        else frames.push({ token, children: [] })
        return
      case 'close': {
        const frame = partner[index] === -1 ? undefined : frames.pop()
        if (frame?.token.kind === 'open') top().push(frame.token.spec.build(frame.children))
        else appendText(top(), token.raw)
        return
      }
    }
  })
  return root
}
