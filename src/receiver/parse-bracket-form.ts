// A single-pass parser for the bodies PHP's `http_build_query` writes (`data%5BDATA%5D%5B0%5D=1&…`),
// giving exactly what qs.parse gives with the receiver's options (parse-form.ts). It only answers
// for the shape PHP produces: keys `name[seg][seg]…` with non-empty segments, at most one `=` per
// pair, no leaf that is also a container, no `__proto__`, no limit exceeded. For anything else it
// returns `undefined` and the caller hands the body to qs, so odd or hostile bodies keep qs's exact
// result or error, and this file only needs to be right on the shape it accepts.

export interface BracketFormLimits {
  parameterLimit: number
  depth: number
  arrayLimit: number
}

/** A key repeated in the body: qs (`duplicates: 'combine'`) turns its values into a list. */
class Repeated {
  constructor(readonly values: string[]) {}
}

type Node = Record<string, unknown>
type Container = Node | unknown[]

/** Decodes like qs's decoder: `+` is a space; malformed escapes keep the raw text, in which qs has
 * already turned `%5B`/`%5D` (any case) into brackets. */
function decodePart(raw: string): string {
  const plus = raw.includes('+') ? raw.replaceAll('+', ' ') : raw
  if (!plus.includes('%')) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    return plus.replace(/%5B/gi, '[').replace(/%5D/gi, ']')
  }
}

/** `name[a][b]` → ['name', 'a', 'b'], or undefined for any key qs would read differently. */
function splitKey(key: string): string[] | undefined {
  const open = key.indexOf('[')
  if (open === -1) return key.includes(']') || key === '__proto__' ? undefined : [key]
  const name = key.slice(0, open)
  if (open === 0 || name.includes(']') || name === '__proto__') return undefined
  const segments = [name]
  for (let at = open; at < key.length; ) {
    const close = key.indexOf(']', at + 1)
    if (key.charCodeAt(at) !== 0x5b || close <= at + 1) return undefined
    const next = key.indexOf('[', at + 1)
    if (next !== -1 && next < close) return undefined
    const segment = key.slice(at + 1, close)
    if (segment === '__proto__') return undefined
    segments.push(segment)
    at = close + 1
  }
  return segments
}

/** The array position of a bracket segment (`0`…`arrayLimit - 1`), -1 for an object key, or -2 for a
 * canonical number qs rejects or reads in its own way (≥ arrayLimit, or past float precision). */
function arrayIndex(segment: string, arrayLimit: number): number {
  const c = segment.charCodeAt(0)
  if (c < 0x30 || c > 0x39 || (c === 0x30 && segment.length > 1)) return -1
  for (let i = 1; i < segment.length; i += 1) {
    const d = segment.charCodeAt(i)
    if (d < 0x30 || d > 0x39) return -1
  }
  if (segment.length > 15) return -2
  const n = Number(segment)
  return n < arrayLimit ? n : -2
}

interface State {
  reshape: boolean
}

/** Puts one value at its path; false when the path conflicts with what is there (qs merges those). */
function insert(root: Node, segments: string[], value: string, limits: BracketFormLimits, state: State) {
  let node: Container = root
  let key: string | number = segments[0] as string
  for (let i = 1; i < segments.length; i += 1) {
    const index = arrayIndex(segments[i] as string, limits.arrayLimit)
    if (index === -2) return false
    let child = (node as Node)[key]
    if (child === undefined) {
      child = index === -1 ? Object.create(null) : []
      ;(node as Node)[key] = child
    } else if (typeof child !== 'object' || child instanceof Repeated) {
      return false
    } else if (index === -1 && Array.isArray(child)) {
      // A non-index key in an array makes it an object keyed by the indices, as qs's merge does.
      child = Object.assign(Object.create(null), child)
      ;(node as Node)[key] = child
    }
    // An index past the end leaves a hole; qs's compact closes holes at the end.
    if (index !== -1 && Array.isArray(child) && index > child.length) state.reshape = true
    node = child as Container
    key = index === -1 ? (segments[i] as string) : index
  }
  const existing = (node as Node)[key]
  if (existing === undefined) (node as Node)[key] = value
  else if (typeof existing === 'string' && limits.arrayLimit >= 2) {
    ;(node as Node)[key] = new Repeated([existing, value])
    state.reshape = true
  } else if (existing instanceof Repeated && existing.values.length < limits.arrayLimit) {
    existing.values.push(value)
  } else return false
  return true
}

/** Lists for repeated keys and dense arrays (`a[5]=x` alone gives ['x']), as qs's compact does. */
function reshape(node: Container): Container {
  if (Array.isArray(node)) {
    const dense: unknown[] = []
    for (const item of node) if (item !== undefined) dense.push(finish(item))
    return dense
  }
  for (const key of Object.keys(node)) node[key] = finish(node[key])
  return node
}

const finish = (value: unknown): unknown =>
  value instanceof Repeated ? value.values : typeof value === 'object' ? reshape(value as Container) : value

/** Keys repeat across Bitrix24 bodies and decoding them was half of the parse, so the split form of
 * the first short keys seen is kept. The table then stops growing rather than evicting: bodies with
 * ever-new keys (an attacker's) would otherwise churn it, which costs more than not caching at all. */
const CACHED_KEYS = 512
const CACHED_KEY_LENGTH = 128

/** A copy that does not point into the body: V8 slices share their parent's memory, so a cached slice
 * would keep a whole body alive. Concatenating and slicing again makes V8 flatten into a new string. */
const detached = (s: string): string => ` ${s}`.slice(1)

export type BracketFormParser = (body: string) => Node | undefined

/** The parser: it returns the parsed body, or undefined when the body is not in the shape above
 * (then qs must parse it, and decides the result or the error). */
export function createBracketFormParser(limits: BracketFormLimits): BracketFormParser {
  const keys = new Map<string, string[]>()
  const segmentsOf = (raw: string): string[] | undefined => {
    const known = keys.get(raw)
    if (known !== undefined) return known
    if (keys.size >= CACHED_KEYS || raw.length > CACHED_KEY_LENGTH) return splitKey(decodePart(raw))
    const copy = detached(raw)
    const segments = splitKey(decodePart(copy))
    if (segments !== undefined) keys.set(copy, segments)
    return segments
  }

  return (body) => {
    const root: Node = Object.create(null)
    if (body === '') return root
    const state: State = { reshape: false }
    let parts = 0
    let emptyKeys = 0
    for (let start = 0; start <= body.length; ) {
      let end = body.indexOf('&', start)
      if (end === -1) end = body.length
      if (++parts > limits.parameterLimit) return undefined
      let eq = body.indexOf('=', start)
      if (eq > end || eq === -1) eq = end
      else {
        // A second `=` lets qs split at a later `]=`; not PHP's output, so qs decides.
        const second = body.indexOf('=', eq + 1)
        if (second !== -1 && second < end) return undefined
      }
      if (eq === start) {
        // qs keeps empty keys (`=x`, `&&`) until the end and drops them, but counts their repeats.
        if (++emptyKeys > limits.arrayLimit) return undefined
      } else {
        const segments = segmentsOf(body.slice(start, eq))
        if (segments === undefined || segments.length - 1 > limits.depth) return undefined
        const value = eq === end ? '' : decodePart(body.slice(eq + 1, end))
        if (!insert(root, segments, value, limits, state)) return undefined
      }
      start = end + 1
    }
    return state.reshape ? (reshape(root) as Node) : root
  }
}
