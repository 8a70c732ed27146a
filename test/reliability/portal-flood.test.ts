import { afterEach, describe, expect, it } from 'vitest'
import { eventually } from '../support/bridge-harness.js'
import { captureLog } from '../support/capture-log.js'
import { type PortalsBridge, startPortalsBridge } from '../support/portals-bridge.js'

let bridge: PortalsBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

describe('scenario 10: one portal floods, another stays quiet', () => {
  it("keeps the quiet portal's edits under 2 s (p99) while the flood is capped and drains", async () => {
    const log = captureLog('warn')
    const CAP = 200
    bridge = await startPortalsBridge({
      names: ['flood', 'quiet'],
      // Bitrix24's own leaky bucket (50 back to back, then 2 requests per second) on both portals,
      // and the bridge's limiter set to match. Five messages per batch call: the flood drains at
      // about 10 messages a second, slower than it arrives, as in the attack.
      fakeOptions: { rateLimit: { burst: 50, perSecond: 2 } },
      bitrix: { rateLimit: { burst: 50, perSecond: 2 } },
      pipeline: { maxPendingPerPortal: CAP, batchSize: 5 },
      logger: log.logger,
    })
    const b = bridge
    const { flood, quiet } = b.portals
    if (flood === undefined || quiet === undefined) throw new Error('portals missing')
    const FLOOD = 2000
    // Four senders back to back: the flood and the bridge share this process's two cores, so more
    // senders measure CPU starvation of the test process (a proxy's rate limit), not queue fairness.
    const SENDERS = 4
    const QUIET = 40
    for (let id = 1; id <= FLOOD; id++)
      flood.fake.setMessage({ id, chatId: 1024, authorId: 7, text: `f${id}` })
    for (let id = 1; id <= QUIET; id++)
      quiet.fake.setMessage({ id, chatId: 1024, authorId: 7, text: `q${id}` })

    // The flood: 16 senders posting edits of distinct messages back to back.
    const statuses = new Map<number, number>()
    const accepted: number[] = []
    let overCapBody = ''
    let next = 1
    const floodStart = Date.now()
    let floodEnd = 0
    const floodDone = Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next <= FLOOD) {
          const id = next++
          // A connection error (the bridge closing after a failed assertion) counts as status 0.
          const res = await b.edit('flood', id).catch(() => ({ status: 0, body: '' }))
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          if (res.status === 200) accepted.push(id)
          else if (res.status === 503) overCapBody ||= res.body
        }
      }),
    )
    // The quiet portal: one edit every 150 ms while the flood runs, timed from POST to the mirror.
    await eventually(() => (statuses.get(503) ?? 0) > 0 || next > FLOOD, 'the flood reaches the cap', 120_000)
    const sentAt = new Map<number, number>()
    for (let id = 1; id <= QUIET; id++) {
      sentAt.set(id, Date.now())
      expect((await b.edit('quiet', id)).status).toBe(200)
      await new Promise((r) => setTimeout(r, 150))
    }
    await floodDone
    floodEnd = Date.now()
    const quietMirrors = () => b.sink.requests.filter((r) => r.body.portal === quiet.memberId)
    await eventually(() => quietMirrors().length >= QUIET, 'every quiet edit mirrored', 60_000)
    const latencies = quietMirrors().map((r) => r.at - (sentAt.get(Number(r.body.messageId)) ?? r.at))
    const p99 = percentile(latencies, 99)

    // The flood that was accepted drains completely; what was refused was never stored.
    const floodMirrored = () =>
      new Set(b.sink.requests.filter((r) => r.body.portal === flood.memberId).map((r) => r.body.messageId))
    await eventually(() => floodMirrored().size >= accepted.length, 'the accepted flood mirrored', 200_000)
    expect(floodMirrored()).toEqual(new Set(accepted))
    expect(await b.app.store.countPending('fetch', flood.memberId)).toBe(0)

    const refused = statuses.get(503) ?? 0
    expect(refused).toBeGreaterThan(0)
    expect((statuses.get(200) ?? 0) + refused).toBe(FLOOD)
    const answer = JSON.parse(overCapBody) as Record<string, unknown>
    expect(answer).toMatchObject({ code: 'BRG_ERR_PORTAL_QUEUE_FULL' })
    expect(answer.details).toMatchObject({ limit: CAP })
    // One log line for the cap per minute (a summary when the flood outlasts it), not one per
    // refused event; the counter has them all.
    const capLines = log.lines.filter((l) => String(l.msg).includes('queue cap'))
    expect(capLines.length).toBeGreaterThanOrEqual(1)
    expect(capLines.length).toBeLessThanOrEqual(1 + Math.ceil((Date.now() - floodStart) / 60_000))
    const metric = await b.app.metrics.registry.getSingleMetricAsString(
      'openline_bridge_portal_queue_full_total',
    )
    expect(metric).toContain(`portal="${flood.memberId}"} ${refused}`)
    expect(p99).toBeLessThan(2000)
    process.stdout.write(
      `flood: ${FLOOD} flood events sent in ${floodEnd - floodStart} ms by ${SENDERS} senders, ${accepted.length} accepted, ` +
        `${refused} refused 503 at the cap of ${CAP}, ${capLines.length} cap log line(s); ` +
        `quiet portal ${QUIET} edits, event→mirror p50 ${percentile(latencies, 50)} ms, p99 ${p99} ms, max ${Math.max(...latencies)} ms\n`,
    )
  })
})
