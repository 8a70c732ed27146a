import { readdirSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BridgeError } from '../../../src/errors.js'
import { createBracketFormParser } from '../../../src/receiver/parse-bracket-form.js'
import {
  ARRAY_LIMIT,
  createFormParser,
  createQsFormParser,
  type FormLimits,
} from '../../../src/receiver/parse-form.js'

/**
 * Differential test: the receiver's parser against qs with the receiver's options (the parser it
 * replaced on the hot path), on generated bodies. Results must be identical including key order,
 * null prototypes and dense arrays; failures must be the same BridgeError code and message. There is
 * no deliberate difference from qs: bodies outside PHP's shape are handed to qs itself.
 * Parsers are shared across runs, so the key cache sees thousands of keys and is emptied many times.
 */
const eventsDir = new URL('../../fixtures/bitrix/events/', import.meta.url)
const fixtures = readdirSync(eventsDir)
  .filter((f) => f.endsWith('.form.txt'))
  .map((f) => readFileSync(new URL(f, eventsDir), 'utf8').trim())

const limitSets: FormLimits[] = [
  { parameterLimit: 1000, depth: 8 }, // the defaults (src/config/core-schema.ts)
  { parameterLimit: 12, depth: 3 }, // small, so bodies hit the limits often
]
const parsers = limitSets.map((limits) => ({
  limits,
  bridge: createFormParser(limits),
  qs: createQsFormParser(limits),
}))

/** Everything a caller could observe: key order, prototypes, holes, strings. */
function shape(value: unknown): unknown {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return { array: value.map(shape), own: Object.keys(value).length }
  if (typeof value === 'object' && value !== null) {
    const node = value as Record<string, unknown>
    const proto = Object.getPrototypeOf(node) === null ? 'null' : 'other'
    return { proto, entries: Object.keys(node).map((k) => [k, shape(node[k])]) }
  }
  return { unexpected: typeof value }
}

function outcome(parse: (body: string) => unknown, body: string): unknown {
  try {
    return shape(parse(body))
  } catch (err) {
    return err instanceof BridgeError ? { code: err.code, message: err.message } : { thrown: String(err) }
  }
}

/** The most `[` segments any key of a body has (`a[b][c]=` → 2). */
function bracketDepth(body: string): number {
  return Math.max(0, ...body.split('&').map((pair) => (pair.split('=')[0]?.match(/%5B/gi) ?? []).length))
}

function expectSameAsQs(body: string): void {
  for (const p of parsers) expect(outcome(p.bridge, body), body).toEqual(outcome(p.qs, body))
}

/** PHP's urlencode: spaces as `+`, everything but `-_.` and alphanumerics escaped. */
const urlencode = (s: string) =>
  encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')

/** PHP's http_build_query: `a%5Bb%5D%5B0%5D=v`, arrays by index, empty containers left out. */
function httpBuildQuery(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${urlencode(prefix)}=${urlencode(value)}`]
  const entries = Object.entries(value as Record<string, unknown>)
  return entries.flatMap(([k, v]) => httpBuildQuery(v, prefix === '' ? k : `${prefix}[${k}]`))
}

const word = fc.constantFrom('a', 'b', 'DATA', 'im', 'chat_id', 'x y', 'ü', 'a.b', 'length', 'toString')
const text = fc.oneof(
  fc.constantFrom('', '0', '[b]Hi[/b] & <x>', 'a+b=c', '100%', 'Привет 👋', '%5B'),
  fc.string({ maxLength: 12 }),
)
const phpValue = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, text, tie('object'), tie('array')),
  object: fc.dictionary(word, tie('node'), { maxKeys: 4 }),
  array: fc.array(tie('node'), { maxLength: 4 }),
})).node
const phpBody = fc
  .dictionary(word, phpValue, { minKeys: 1, maxKeys: 5 })
  .map((v) => httpBuildQuery(v).join('&'))

const pieces = ['[', ']', '=', '&', '%', '%5B', '%5D', '%5b', '%FF', '%C3%28', '%E2%82', '%2', '+', '[]']
const hostile = ['__proto__', 'constructor', 'prototype', '[0]', '[99]', '[100]', '[007]', '[-1]', '[1e2]']

describe('the receiver form parser gives exactly what qs gives', () => {
  it('on fixture bodies, and parses every one of them without qs', () => {
    for (const p of parsers) {
      const fast = createBracketFormParser({ ...p.limits, arrayLimit: ARRAY_LIMIT })
      for (const body of fixtures) {
        expectSameAsQs(body)
        if (p.limits.parameterLimit === 1000) expect(fast(body), body).toBeDefined()
      }
    }
  })

  it('on bodies PHP http_build_query writes, which stay on the fast path', () => {
    const fast = createBracketFormParser({ parameterLimit: 1000, depth: 8, arrayLimit: ARRAY_LIMIT })
    fc.assert(
      fc.property(phpBody, (body) => {
        expectSameAsQs(body)
        // The generator can nest deeper than `depth`; such a body rightly leaves the fast path.
        if (bracketDepth(body) <= 8) expect(fast(body), body).toBeDefined()
      }),
      { numRuns: 2000 },
    )
  })

  it('on PHP bodies with pairs shuffled, repeated and dropped', () => {
    const reordered = fc
      .tuple(fc.oneof(phpBody, fc.constantFrom(...fixtures)), fc.array(fc.nat(), { maxLength: 8 }))
      .map(([body, moves]) => {
        const pairs = body.split('&')
        for (const [i, m] of moves.entries()) {
          const at = m % pairs.length
          if (i % 3 === 0) pairs.push(pairs[at] as string)
          else if (i % 3 === 1) pairs.splice(at, 1)
          else pairs.unshift(...pairs.splice(at, 1))
        }
        return pairs.join('&')
      })
    fc.assert(fc.property(reordered, expectSameAsQs), { numRuns: 2000 })
  })

  it('on fixture bodies with hostile pieces spliced in', () => {
    const mutated = fc
      .tuple(
        fc.constantFrom(...fixtures),
        fc.array(fc.tuple(fc.nat(), fc.nat(30), fc.constantFrom(...pieces, ...hostile, '')), {
          maxLength: 6,
        }),
      )
      .map(([body, edits]) => {
        let s = body
        for (const [at, cut, piece] of edits) {
          const i = at % (s.length + 1)
          s = s.slice(0, i) + piece + s.slice(i + cut)
        }
        return s
      })
    fc.assert(fc.property(mutated, expectSameAsQs), { numRuns: 3000 })
  })

  it('on random bracket keys, indexes, repeats and escapes', () => {
    // Mostly keys the fast path takes (so it is what gets compared), some that send the body to qs.
    const segment = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('a', 'b', '0', '1', '2', '9', '10', '99', '007', '-1', ' ') },
      fc.constantFrom('', '100', ...hostile),
    )
    const open = fc.constantFrom('[', '%5B', '%5b')
    const close = fc.constantFrom(']', '%5D', '%5d')
    const key = fc
      .tuple(
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom('a', 'b', '0', 'constructor', 'x+y', '%61') },
          fc.constantFrom('', '__proto__', '%'),
        ),
        fc.array(fc.tuple(open, segment, close), { maxLength: 5 }),
      )
      .map(([name, segs]) => name + segs.map(([o, s, c]) => o + s + c).join(''))
    const pair = fc.tuple(
      key,
      fc.constantFrom('=', '=', '=', '=', '', '=='),
      fc.oneof({ weight: 4, arbitrary: text }, fc.constantFrom(...pieces)),
    )
    const body = fc.array(pair, { maxLength: 8 }).map((ps) => ps.map(([k, eq, v]) => k + eq + v).join('&'))
    fc.assert(fc.property(body, expectSameAsQs), { numRuns: 3000 })
  })

  it('on strings from the characters that matter to the grammar', () => {
    const char = fc.constantFrom('a', 'b', '0', '1', '[', ']', '=', '&', '%', '5', 'B', 'D', '+', 'C', '_')
    fc.assert(fc.property(fc.string({ unit: char, maxLength: 40 }), expectSameAsQs), { numRuns: 3000 })
  })

  it('on the limits: parameters, depth, array indexes, repeats', () => {
    const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('&')
    for (const body of [
      many(12, (i) => `k${i}=v`),
      many(13, (i) => `k${i}=v`),
      many(1001, (i) => `k${i}=v`),
      many(100, () => 'a[b]=v'),
      many(101, () => 'a[b]=v'),
      many(101, () => ''),
      many(100, (i) => `a[${i}]=v`),
      `a${'[x]'.repeat(3)}=1`,
      `a${'[x]'.repeat(4)}=1`,
      `a${'[x]'.repeat(9)}=1`,
      'a[99]=1',
      'a[100]=1',
      'a[99999999999999999999]=1',
      'a[1]=x&a[0]=y&a[5]=z',
    ])
      expectSameAsQs(body)
  })
})
