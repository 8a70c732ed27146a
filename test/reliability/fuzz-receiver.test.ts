import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Bridge, fixturePortal, readFixture, startBridge } from '../support/bridge-harness.js'

/**
 * Scenario 4: 100,000 generated and mutated bodies. The process never crashes, memory stays
 * bounded, nothing is enqueued, and every answer is a 4xx with a JSON error. No body carries the
 * real application token, so even a body that happens to be well-formed must end in 401.
 */
const TOTAL = Number(process.env.FUZZ_BODIES ?? 100_000)
const wrongToken = 'fake-apptoken-fuzzfuzzfuzzfuzz'
const fixtures = [
  'onopenlinemessageupdate.docs.form.txt',
  'onopenlinemessageupdate.server.form.txt',
  'onopenlinemessageupdate.no-user-tokens.form.txt',
  'onopenlinemessageupdate.two-items.form.txt',
  'onopenlinemessageadd.form.txt',
  'onopenlinemessagedelete.form.txt',
  'onappinstall.form.txt',
  'onappuninstall.form.txt',
].map((f) => readFixture(f).replaceAll(fixturePortal.applicationToken, wrongToken))
const jsonFixture = readFixture('onopenlinemessageupdate.docs.json').replaceAll(
  fixturePortal.applicationToken,
  wrongToken,
)

const contentTypes = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
]

const pieces = [
  '[',
  ']',
  '=',
  '&',
  '%',
  '%5B',
  '%5D',
  '%FF',
  '%C3%28',
  '__proto__',
  'constructor',
  'prototype',
  '[0]',
  '[]',
  '+',
  '\u0000',
]

/** Body generators: each yields [body, content type]. */
const body = fc.oneof(
  // random bytes, any content type
  fc
    .tuple(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(...contentTypes))
    .map(([b, t]) => [Buffer.from(b), t] as const),
  // fixtures mutated: cut, splice in hostile pieces, duplicate segments
  fc
    .tuple(
      fc.constantFrom(...fixtures),
      fc.array(fc.tuple(fc.nat(), fc.nat(40), fc.constantFrom(...pieces, ''))),
      fc.constantFrom(...contentTypes.slice(0, 3)),
    )
    .map(([f, edits, t]) => {
      let s = f
      for (const [at, cut, piece] of edits) {
        const i = at % (s.length + 1)
        s = s.slice(0, i) + piece + s.slice(i + cut)
      }
      return [s, t] as const
    }),
  // fixtures with fields removed
  fc.tuple(fc.constantFrom(...fixtures), fc.array(fc.nat(), { maxLength: 6 })).map(([f, drops]) => {
    const parts = f.split('&')
    for (const d of drops) parts.splice(d % parts.length, 1)
    return [parts.join('&'), 'application/x-www-form-urlencoded'] as const
  }),
  // deep bracket nesting, huge indices, prototype keys
  fc
    .integer({ min: 1, max: 5000 })
    .map((n) => [`a${'[x]'.repeat(n)}=1&${fixtures[0]}`, 'application/x-www-form-urlencoded'] as const),
  fc
    .constantFrom('a[999999]=x', 'data[DATA][999999][im][chat_id]=1', 'a[]=1&a[]=2&a[99999999999]=3')
    .map((s) => [`${s}&${fixtures[0]}`, 'application/x-www-form-urlencoded'] as const),
  fc
    .constantFrom(
      '__proto__[polluted]=1',
      'constructor[prototype][polluted]=1',
      'data[__proto__][polluted]=1',
      'auth[__proto__][application_token]=x',
    )
    .map((s) => [`${s}&${fixtures[1]}`, 'application/x-www-form-urlencoded'] as const),
  // JSON with wrong types and prototype keys
  fc.jsonValue({ maxDepth: 6 }).map((v) => [JSON.stringify(v), 'application/json'] as const),
  fc
    .constantFrom(
      jsonFixture.replace('"DATA": [', '"DATA": "x", "ignored": ['),
      jsonFixture.replace('"chat_id": 1024', '"chat_id": {"a": 1}'),
      jsonFixture.replace('"event":', '"__proto__": {"polluted": 1}, "event":'),
      jsonFixture.replace('"message_id": 2056', '"message_id": -1'),
      jsonFixture.replace('"message_id": 2056', '"message_id": 1e309'),
    )
    .map((s) => [s, 'application/json'] as const),
  // oversized values and invalid UTF-8
  fc
    .integer({ min: 100_000, max: 400_000 })
    .map(
      (n) =>
        [
          `${fixtures[0]}&data[DATA][0][message][text]=${'x'.repeat(n)}`,
          'application/x-www-form-urlencoded',
        ] as const,
    ),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map(
      (b) =>
        [
          Buffer.concat([Buffer.from(`${fixtures[0]}&data[DATA][0][message][text]=`), Buffer.from(b)]),
          'application/x-www-form-urlencoded',
        ] as const,
    ),
)

let bridge: Bridge
beforeAll(async () => {
  bridge = await startBridge({ outputs: { c: { type: 'console' } } })
})
afterAll(async () => {
  await bridge.close()
})

describe('fuzzing the receiver', () => {
  it(`answers ${TOTAL} hostile bodies with 4xx JSON errors, enqueues nothing, stays up and bounded`, async () => {
    const crashes: unknown[] = []
    const onCrash = (err: unknown) => crashes.push(err)
    process.on('uncaughtException', onCrash)
    process.on('unhandledRejection', onCrash)
    const statuses = new Map<number, number>()
    const bad: string[] = []
    let samples: (readonly [string | Buffer, string])[] = []
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    const rssBefore = process.memoryUsage().rss
    let rssPeak = rssBefore
    // Generated in chunks: holding 100,000 bodies (some of 400 kB) at once would measure the test, not the bridge.
    const chunk = 1000
    let sent = 0
    try {
      for (let i = 0; i < TOTAL; i++) {
        if (i % chunk === 0)
          samples = fc.sample(body, { numRuns: Math.min(chunk, TOTAL - i), seed: 20261125 + i })
        const [payload, type] = samples[i % chunk] as readonly [string | Buffer, string]
        sent++
        const res = await bridge.app.server.inject({
          method: 'POST',
          url: '/bitrix/events',
          headers: { 'content-type': type },
          payload,
        })
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        let json: { error?: unknown; code?: unknown } = {}
        try {
          json = JSON.parse(res.body) as typeof json
        } catch {}
        const ok =
          res.statusCode >= 400 &&
          res.statusCode < 500 &&
          typeof json.error === 'string' &&
          typeof json.code === 'string'
        if (!ok && bad.length < 5)
          bad.push(`${res.statusCode} ${res.body.slice(0, 200)} ← ${String(payload).slice(0, 200)}`)
        if (i % 5000 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
      }
    } finally {
      process.off('uncaughtException', onCrash)
      process.off('unhandledRejection', onCrash)
    }
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
    gc?.()
    const heapGrowthMb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6)
    const queued = await bridge.app.store.stats('fetch')
    const summary = {
      bodies: sent,
      statuses: Object.fromEntries([...statuses].sort()),
      nonConforming: bad.length,
      queued: queued.pending,
      crashes: crashes.length,
      rssGrowthMb: Math.round((rssPeak - rssBefore) / 1e6),
      heapGrowthMb,
      gcExposed: gc !== undefined,
      polluted: ({} as Record<string, unknown>).polluted !== undefined,
    }
    process.stdout.write(`fuzz: ${JSON.stringify(summary)}\n`)
    expect(bad).toEqual([])
    expect(queued.pending).toBe(0)
    expect(crashes).toEqual([])
    expect(summary.polluted).toBe(false)
    expect(summary.rssGrowthMb).toBeLessThan(300)
    // What stays reachable after 100,000 requests: nothing per request may be kept.
    expect(gc).toBeDefined()
    expect(heapGrowthMb).toBeLessThan(20)
  })
})
