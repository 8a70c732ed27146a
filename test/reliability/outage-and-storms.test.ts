import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, eventually, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let bridge: Bridge | undefined
const sinks: WebhookSink[] = []
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await Promise.all(sinks.splice(0).map((s) => s.close()))
})

const edit = (messageId: number, ts = 1000) =>
  updateEvent(fixturePortal, [{ chatId: 1024, messageId }], { ts })

describe('scenario 2: an output outage', () => {
  it('delivers everything after refused connections, 500s and a 429, honouring Retry-After, others unaffected', async () => {
    const flaky = await startWebhookSink()
    const steady = await startWebhookSink()
    sinks.push(flaky, steady)
    // The flaky output points at a port that refuses connections until we "bring it back".
    const refusedUrl = `${flaky.url.replace(/:\d+\//, ':1/')}`
    bridge = await startBridge({
      outputs: {
        'hook.flaky': { type: 'webhook', url: refusedUrl, timeoutMs: 500 },
        'hook.steady': { type: 'webhook', url: steady.url },
      },
      pipeline: { maxAttempts: 1000, backoffBaseMs: 20, backoffMaxMs: 100, outputConcurrency: 1 },
      startWorkers: true,
    })
    const b = bridge
    const N = 20
    for (let id = 1; id <= N; id++) b.portal.setMessage({ id, chatId: 1024, authorId: 7, text: `m${id}` })
    for (let id = 1; id <= N; id++) expect((await b.post(edit(id))).status).toBe(200)
    await steady.waitFor(N)
    const steadyDone = Date.now()
    expect(flaky.requests).toHaveLength(0)

    // Phase 1 (refused) is under way; phase 2: the output answers 500 for a while.
    await eventually(async () => {
      const log = await b.app.store.listDeliveries({ output: 'hook.flaky', status: 'failed', limit: 10 })
      return log.length >= 5
    }, 'refused connections logged as failed attempts')
    // Re-point by swapping the flaky sink into the refused port is not possible; instead the
    // webhook plugin instance is rebuilt with the live URL through a restart of the bridge.
    await b.app.close()
    flaky.failAlways(500)
    bridge = await startBridge({
      outputs: {
        'hook.flaky': { type: 'webhook', url: flaky.url, timeoutMs: 500 },
        'hook.steady': { type: 'webhook', url: steady.url },
      },
      portal: b.portal,
      dbPath: b.dbPath,
      pipeline: { maxAttempts: 1000, backoffBaseMs: 20, backoffMaxMs: 100, outputConcurrency: 1 },
      startWorkers: true,
    })
    await eventually(() => flaky.attempts.length >= 10, '500s answered')
    // Phase 3: a 429 with Retry-After: 2, then recovery.
    flaky.failAlways(undefined)
    flaky.failNext(1, 429, { 'retry-after': '2' })
    await flaky.waitFor(N, 20_000)

    const after429 = flaky.attempts.findIndex((a) => a.status === 429)
    const limited = flaky.attempts[after429]
    const next = flaky.attempts[after429 + 1]
    expect(limited && next && next.at - limited.at).toBeGreaterThanOrEqual(1900)
    expect(new Set(flaky.requests.map((r) => r.body.messageId)).size).toBe(N)
    expect(steady.requests).toHaveLength(N)
    expect(steadyDone).toBeLessThan(limited?.at ?? 0)
    const dead = await bridge.app.store.listDead()
    expect(dead).toHaveLength(0)
    process.stdout.write(
      `outage: ${N} messages × 2 outputs; flaky output saw ${flaky.attempts.length} attempts (500s, one 429) after refusals; ` +
        `next call ${next && limited ? next.at - limited.at : '?'} ms after Retry-After: 2; steady output done first; lost 0\n`,
    )
  })
})

describe('scenario 3: Bitrix24 storms', () => {
  // 429 OPERATION_TIME_LIMIT is not a storm to retry through: the method is paused until Bitrix24's
  // reset time (up to 10 min), without spending attempts — test/integration/bitrix-operating-limits.test.ts.
  it('loses nothing through 503 QUERY_LIMIT_EXCEEDED, a 502 from the portal proxy, 500s and timeouts', async () => {
    const sink = await startWebhookSink()
    sinks.push(sink)
    bridge = await startBridge({
      outputs: { hook: { type: 'webhook', url: sink.url } },
      bitrix: { timeoutMs: 300, retries: 1 },
      pipeline: { maxAttempts: 1000, backoffBaseMs: 20, backoffMaxMs: 200, batchSize: 10 },
      startWorkers: true,
    })
    const b = bridge
    const N = 200
    for (let id = 1; id <= N; id++)
      b.portal.setMessage({ id, chatId: 1024, authorId: 7, text: `storm ${id}` })
    b.portal.failNext(3, {
      status: 503,
      body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
    })
    let posted = 0
    const storms = [
      () => b.portal.failNext(2, { status: 502, body: '<html><body>502 Bad Gateway</body></html>' }),
      () =>
        b.portal.failNext(2, {
          status: 500,
          body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'oops' },
        }),
      () => b.portal.failNext(2, { delayMs: 1000 }),
      () =>
        b.portal.failFor(300, {
          status: 503,
          body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
        }),
    ]
    for (let id = 1; id <= N; id++) {
      expect((await b.post(edit(id))).status).toBe(200)
      posted++
      if (id % 50 === 0) storms[(id / 50 - 1) % storms.length]?.()
    }
    await sink.waitFor(N, 30_000)
    const statuses = new Map<number, number>()
    for (const r of b.portal.requests) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
    const failedReads = await b.app.store.listDeliveries({ output: '-', status: 'failed', limit: 1000 })
    expect(new Set(sink.requests.map((r) => r.body.messageId)).size).toBe(N)
    expect(await b.app.store.listDead()).toHaveLength(0)
    expect(failedReads.length).toBeGreaterThan(0)
    process.stdout.write(
      `storms: ${posted} edits acknowledged, ${N} mirrored, lost 0; portal answers ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `${failedReads.length} read attempts failed and were retried with backoff\n`,
    )
  })
})
