import { Pool } from 'undici'
import { startBenchBridge } from '../support/bench-bridge.js'
import { markerOf, startBenchPortal, textOf } from '../support/bench-portal.js'
import { chatOf, editOf, formType } from '../support/event-bodies.js'
import { startFakeSlack } from '../support/fake-slack.js'
import type { Figure } from '../support/figure.js'
import { ratio, summarize } from '../support/stats.js'
import { sleep, waitUntil } from '../support/wait.js'

const rate = 20
const defaultWindowMs = 250

/**
 * The unavoidable work of one edit with nothing else in the way: one `im.dialog.messages.get`
 * and one post to the output, sequentially over loopback (own portal without a bucket).
 */
async function directPath(samples: number, slackUrl: string): Promise<number[]> {
  const portal = await startBenchPortal()
  try {
    const out: number[] = []
    for (let i = 0; i < samples; i += 1) {
      const id = 4_900_000 + i
      const start = performance.now()
      const read = await fetch(`${portal.portal.webhookUrl}im.dialog.messages.get`, {
        method: 'POST',
        headers: { 'content-type': formType },
        body: `DIALOG_ID=chat${chatOf(id)}&LAST_ID=${id + 1}&LIMIT=1`,
      })
      await read.json()
      const post = await fetch(`${slackUrl}/chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messageId: id, text: textOf(id, 1) }),
      })
      await post.json()
      out.push(performance.now() - start)
    }
    return out
  } finally {
    await portal.close()
  }
}

/** Figure 4: event → mirror latency at a steady 20 edits/s, bucket enforced, Slack-like output. */
export const endToEndFigure: Figure = async (ctx) => {
  const seconds = ctx.quick ? 6 : 40
  const portal = await startBenchPortal({ burst: 50, perSecond: 2 })
  const slack = await startFakeSlack()
  const bridge = await startBenchBridge({
    webhookUrl: portal.portal.webhookUrl,
    outputs: { 'slack.bench': slack.url },
    startWorkers: true,
  })
  const target = new URL(bridge.url)
  const pool = new Pool(target.origin, { connections: 8 })
  try {
    ctx.log('end to end: direct path baseline')
    const direct = summarize((await directPath(200, slack.url)).slice(20))
    ctx.log(`end to end: ${rate} edits/s for ${seconds} s`)
    const total = rate * seconds
    const sentAt = new Map<number, number>()
    let failed = 0
    const inFlight: Promise<void>[] = []
    const start = performance.now()
    for (let i = 0; i < total; i += 1) {
      const due = start + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const id = 4_000_000 + i
      sentAt.set(id, performance.now())
      inFlight.push(
        pool
          .request({
            path: target.pathname,
            method: 'POST',
            headers: { 'content-type': formType },
            body: editOf(id),
          })
          .then(async (res) => {
            await res.body.dump()
            if (res.statusCode !== 200) failed += 1
          }),
      )
    }
    await Promise.all(inFlight)
    const mirrored = (id: number) => slack.messages.get(id)?.lastText.endsWith(markerOf(id, 1)) === true
    const done = await waitUntil(() => [...sentAt.keys()].every(mirrored), 30_000, 20)
    const latencies = [...sentAt].flatMap(([id, at]) => {
      const arrival = slack.messages.get(id)?.arrivals[0]
      return arrival === undefined ? [] : [arrival - at]
    })
    const bridgeLatency = summarize(latencies)
    // Where the time goes: event → first read at the portal (window, wake-up, bucket), read → mirror.
    const toRead = summarize(
      [...sentAt].flatMap(([id, at]) => {
        const readAt = portal.firstReadAt.get(id)
        return readAt === undefined ? [] : [readAt - at]
      }),
    )
    const toMirror = summarize(
      [...sentAt].flatMap(([id]) => {
        const readAt = portal.firstReadAt.get(id)
        const arrival = slack.messages.get(id)?.arrivals[0]
        return readAt === undefined || arrival === undefined ? [] : [arrival - readAt]
      }),
    )
    const pipe = bridge.config.pipeline
    const floorP50 = defaultWindowMs + direct.p50
    const floorP99 = defaultWindowMs + direct.p99
    const p50Ratio = ratio(bridgeLatency.p50, floorP50)
    const p99Ratio = ratio(bridgeLatency.p99, floorP99)
    return {
      id: 4,
      title: 'End to end',
      rows: [
        {
          metric: `event → mirror p50 at ${rate} edits/s`,
          value: bridgeLatency.p50,
          unit: 'ms',
          baseline: `coalesce window ${defaultWindowMs} ms + direct read+post p50`,
          baselineValue: floorP50,
          ...(p50Ratio === undefined ? {} : { ratio: p50Ratio }),
          goal: `≤ window + 100 ms (${defaultWindowMs + 100} ms)`,
          met: bridgeLatency.p50 <= defaultWindowMs + 100,
        },
        {
          metric: `event → mirror p99 at ${rate} edits/s`,
          value: bridgeLatency.p99,
          unit: 'ms',
          baseline: `coalesce window ${defaultWindowMs} ms + direct read+post p99`,
          baselineValue: floorP99,
          ...(p99Ratio === undefined ? {} : { ratio: p99Ratio }),
          goal: `≤ window + 250 ms (${defaultWindowMs + 250} ms)`,
          met: bridgeLatency.p99 <= defaultWindowMs + 250,
        },
        {
          metric: 'edits mirrored',
          value: latencies.length,
          unit: '',
          baseline: 'edits sent',
          baselineValue: total,
          ratio: latencies.length / total,
          goal: 'all',
          met: done && failed === 0 && latencies.length === total,
        },
      ],
      notes: [
        `${total} distinct messages edited at a steady ${rate}/s for ${seconds} s (paced sender, 8 connections); ` +
          'latency = first arrival at the Slack-like fake output − time the event POST started, same clock.',
        `Default pipeline settings (coalesceWindowMs ${pipe.coalesceWindowMs}, pollIntervalMs ${pipe.pollIntervalMs}); fake portal bucket 50 + 2/s ` +
          `enforced: ${portal.portal.stats.requests} REST requests, ${portal.portal.stats.rejected503} × 503` +
          ` (${(portal.portal.stats.commands / Math.max(1, portal.portal.stats.requests)).toFixed(1)} reads per request).` +
          ' The baseline is a floor while the burst lasts. Over the whole run the bucket allows at most ' +
          `50 + 2 × ${seconds} requests for ${total} messages, one every ≥ ${((seconds * 1000) / (50 + 2 * seconds)).toFixed(0)} ms: ` +
          'an edit then waits for the next request slot, at best uniformly, so p50 ≥ window + half that spacing ' +
          'and p99 ≥ window + the spacing, whatever the bridge does (bench/PROFILE.md).',
        `Direct path (baseline): one im.dialog.messages.get + one chat.postMessage, sequential, own portal ` +
          `without bucket: p50 ${direct.p50.toFixed(2)} ms, p99 ${direct.p99.toFixed(2)} ms over ${direct.count} samples. ` +
          `Bridge max ${bridgeLatency.max.toFixed(0)} ms.`,
        `Stages: event → first read at the portal p50 ${toRead.p50.toFixed(0)} / p99 ${toRead.p99.toFixed(0)} ms ` +
          `(window, wake-up, bucket); read → first arrival at the output p50 ${toMirror.p50.toFixed(0)} / p99 ` +
          `${toMirror.p99.toFixed(0)} ms (read reply, deliver job commit, wake-up, post).`,
      ],
    }
  } finally {
    await pool.close()
    await bridge.close()
    await slack.close()
    await portal.close()
  }
}
