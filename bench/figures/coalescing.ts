import { Pool } from 'undici'
import { startBenchBridge } from '../support/bench-bridge.js'
import { markerOf, startBenchPortal } from '../support/bench-portal.js'
import { editOf, formType } from '../support/event-bodies.js'
import { startFakeSlack } from '../support/fake-slack.js'
import type { Figure } from '../support/figure.js'
import { sleep, waitUntil } from '../support/wait.js'

const messages = 100
const editsEach = 10
const lanes = 10
const outputs = ['slack.a', 'slack.b'] as const

/** Figure 3: 100 messages × 10 quick edits → reads and deliveries per message and output. */
export const coalescingFigure: Figure = async (ctx) => {
  const portal = await startBenchPortal({ burst: 50, perSecond: 2 })
  const sinks = await Promise.all(outputs.map(() => startFakeSlack()))
  const bridge = await startBenchBridge({
    webhookUrl: portal.portal.webhookUrl,
    outputs: Object.fromEntries(outputs.map((id, i) => [id, sinks[i]?.url ?? ''])),
    startWorkers: true,
  })
  const target = new URL(bridge.url)
  const pool = new Pool(target.origin, { connections: lanes })
  try {
    const spans: number[] = []
    let failed = 0
    let next = 0
    const lane = (ids: number[]) => async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const id = ids[i] ?? 0
        const first = performance.now()
        for (let version = 1; version <= editsEach; version += 1) {
          portal.setVersion(id, version)
          const res = await pool.request({
            path: target.pathname,
            method: 'POST',
            headers: { 'content-type': formType },
            body: editOf(id),
          })
          await res.body.dump()
          if (res.statusCode !== 200) failed += 1
        }
        spans.push(performance.now() - first)
      }
    }
    const final = (id: number) =>
      sinks.every((s) => s.messages.get(id)?.lastText.endsWith(markerOf(id, editsEach)) === true)
    const editAll = async (ids: number[]) => {
      next = 0
      await Promise.all(Array.from({ length: lanes }, lane(ids)))
      return waitUntil(() => ids.every(final), 30_000, 20)
    }
    ctx.log('coalescing: warm-up round (20 messages, not counted)')
    await editAll(Array.from({ length: 20 }, (_, i) => 3_900_000 + i))
    spans.length = 0
    ctx.log(`coalescing: ${messages} messages × ${editsEach} edits, ${lanes} messages at a time`)
    const ids = Array.from({ length: messages }, (_, i) => 3_000_000 + i)
    const requestsBefore = portal.portal.stats.requests
    const done = await editAll(ids)
    // Late extra reads or deliveries would show up within a poll interval or two.
    await sleep(1000)

    const reads = ids.map((id) => portal.reads.get(id) ?? 0)
    const deliveries = sinks.flatMap((s) =>
      ids.map((id) => (s.messages.get(id)?.sends ?? 0) + (s.messages.get(id)?.updates ?? 0)),
    )
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const readsMean = mean(reads)
    const deliveriesMean = mean(deliveries)
    const correct = ids.filter(final).length
    const spanMax = Math.max(...spans)
    const overWindow = spans.filter((ms) => ms > 250).length
    return {
      id: 3,
      title: 'Coalescing',
      rows: [
        {
          metric: `REST reads per message, mean (max ${Math.max(...reads)})`,
          value: readsMean,
          unit: '',
          baseline: 'one read per edit',
          baselineValue: editsEach,
          ratio: readsMean / editsEach,
          goal: '1',
          met: reads.every((r) => r === 1),
        },
        {
          metric: `deliveries per message per output, mean over ${outputs.length} outputs (max ${Math.max(...deliveries)})`,
          value: deliveriesMean,
          unit: '',
          baseline: 'one delivery per edit',
          baselineValue: editsEach,
          ratio: deliveriesMean / editsEach,
          goal: '1 per output',
          met: deliveries.every((d) => d === 1),
        },
        {
          metric: 'mirrors showing the last edit',
          value: correct,
          unit: '',
          baseline: 'messages',
          baselineValue: messages,
          ratio: correct / messages,
          goal: 'all',
          met: correct === messages && done && failed === 0,
        },
      ],
      notes: [
        `${messages} distinct messages; each gets ${editsEach} edits POSTed back to back (each after the previous ` +
          `answer, the portal text changed before each), ${lanes} messages in parallel; the edits of one message ` +
          `spanned at most ${spanMax.toFixed(0)} ms (${overWindow} messages over the 250 ms window; those may ` +
          'rightly need a second read). A warm-up round of 20 other messages runs first. ' +
          `Workers running, ${outputs.length} Slack-like outputs, ` +
          'default pipeline.coalesceWindowMs (250 ms): this figure is what the window is for.',
        `Reads counted inside the fake portal's im.dialog.messages.get (batched or not); ${portal.portal.stats.requests - requestsBefore} ` +
          `REST requests for them (bucket 50 + 2/s enforced, ${portal.portal.stats.rejected503} × 503); ${failed} events not answered 200.`,
      ],
    }
  } finally {
    await pool.close()
    await bridge.close()
    await Promise.all(sinks.map((s) => s.close()))
    await portal.close()
  }
}
