import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import qs from 'qs'
import { coalescePayloads } from '../../src/pipeline/coalesce.js'
import { fetchJob } from '../../src/pipeline/jobs.js'
import { createFormParser, createQsFormParser } from '../../src/receiver/parse-form.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import { editOf, fixturePortal, normalizedEdit } from '../support/event-bodies.js'

// Micro-measurements behind PROFILE.md: what one request's parse and durable write cost, in
// isolation, on this machine. `npx tsx bench/micro/request-path.ts`

const out = (line: string) => process.stdout.write(`${line}\n`)

function time(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 2000); i += 1) fn(i)
  const start = performance.now()
  for (let i = 0; i < n; i += 1) fn(i)
  const us = ((performance.now() - start) * 1000) / n
  out(`${label.padEnd(58)} ${us.toFixed(2).padStart(8)} µs/op`)
  return us
}

const bodies = Array.from({ length: 1000 }, (_, i) => editOf(10_000 + i))
const bridgeParse = createFormParser({ parameterLimit: 1000, depth: 8 })
// What createFormParser ran before the bracket-form parser (and still runs for bodies off PHP's shape).
const qsParse = createQsFormParser({ parameterLimit: 1000, depth: 8 })
const same = bodies.every((b) => JSON.stringify(bridgeParse(b)) === JSON.stringify(qsParse(b)))
out(`bridge parser output equals qs's (receiver options) on the fixture bodies: ${same}`)
time('parse: qs with the receiver options (before)', 50_000, (i) => qsParse(bodies[i % 1000] ?? ''))
time('parse: qs defaults', 50_000, (i) => qs.parse(bodies[i % 1000] ?? ''))
time('parse: bridge createFormParser (after)', 50_000, (i) => bridgeParse(bodies[i % 1000] ?? ''))

const event = (id: number) => normalizedEdit(id, 1714649632)

const dir = await mkdtemp(join(tmpdir(), 'olb-micro-'))
try {
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    for (const group of [1, 4, 16, 64]) {
      const store = openSqliteStore({
        path: join(dir, `${synchronous}-${group}.db`),
        synchronous,
        coalesce: coalescePayloads,
      })
      let id = 1
      const rounds = 400
      const start = performance.now()
      for (let r = 0; r < rounds; r += 1) {
        // `group` enqueue calls in one event-loop turn share one commit (group commit).
        await Promise.all(
          Array.from({ length: group }, () => store.enqueue([fetchJob(fixturePortal.memberId, event(id++))])),
        )
      }
      const us = ((performance.now() - start) * 1000) / (rounds * group)
      out(
        `enqueue: synchronous=${synchronous}, ${String(group).padStart(2)} requests per commit`.padEnd(58) +
          `${us.toFixed(2).padStart(8)} µs/request`,
      )
      await store.close()
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
