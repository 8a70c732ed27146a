// A PROTOTYPE of "a parser made for this body shape" (DESIGN.md), only to measure what replacing
// qs on the request path could gain (see PROFILE.md). Not used by the bridge. It handles what
// Bitrix24 sends — `a[b][0][c]=v` pairs, `+` for spaces — into null-prototype objects, with
// numeric keys turned into arrays like qs does for indices ≤ 100; limits as in parse-form.ts.

type Node = Record<string, unknown>

const decode = (s: string) => {
  const plus = s.includes('+') ? s.replaceAll('+', ' ') : s
  return plus.includes('%') ? decodeURIComponent(plus) : plus
}

// PHP encodes `[`/`]` in keys as %5B/%5D; replacing just those avoids a full decodeURIComponent
// of every key, which is most of qs's time on these bodies.
const decodeKey = (s: string) => {
  const brackets = s.replaceAll('%5B', '[').replaceAll('%5D', ']')
  return brackets.includes('%') || brackets.includes('+') ? decode(brackets) : brackets
}

function toArrays(node: Node): unknown {
  const keys = Object.keys(node)
  for (const key of keys) {
    const child = node[key]
    if (typeof child === 'object' && child !== null) node[key] = toArrays(child as Node)
  }
  if (keys.length > 0 && keys.every((k) => /^\d{1,3}$/.test(k) && Number(k) <= 100)) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => node[k])
  }
  return node
}

export function parseBracketForm(body: string, limits = { parameterLimit: 1000, depth: 8 }): Node {
  const root: Node = Object.create(null)
  let pairs = 0
  for (let start = 0; start < body.length; ) {
    let end = body.indexOf('&', start)
    if (end === -1) end = body.length
    if (end > start) {
      if (++pairs > limits.parameterLimit) throw new RangeError('Parameter limit exceeded')
      const pair = body.slice(start, end)
      const eq = pair.indexOf('=')
      const key = decodeKey(eq === -1 ? pair : pair.slice(0, eq))
      const value = eq === -1 ? '' : decode(pair.slice(eq + 1))
      const open = key.indexOf('[')
      const segments = open <= 0 ? [key] : [key.slice(0, open), ...key.slice(open + 1, -1).split('][')]
      if (segments.length - 1 > limits.depth) throw new RangeError('Input depth exceeded')
      let node = root
      for (let i = 0; i < segments.length - 1; i += 1) {
        const seg = segments[i] ?? ''
        let next = node[seg]
        if (typeof next !== 'object' || next === null) {
          next = Object.create(null)
          node[seg] = next
        }
        node = next as Node
      }
      node[segments[segments.length - 1] ?? ''] = value
    }
    start = end + 1
  }
  return toArrays(root) as Node
}
