import { startBenchBridge } from '../support/bench-bridge.js'
import { markerOf, startBenchPortal } from '../support/bench-portal.js'
import {
  bucketMinimumSec,
  bucketUtilization,
  defaultBucket,
  minReadRequests,
  minRequests,
} from '../support/bucket-math.js'
import { chatOf, editOf } from '../support/event-bodies.js'
import { startFakeSlack } from '../support/fake-slack.js'
import type { BenchContext, Figure, Row } from '../support/figure.js'
import { postAll } from '../support/post-all.js'
import { ratio } from '../support/stats.js'
import { waitUntil } from '../support/wait.js'

const bucket = defaultBucket

export interface DrainRun {
  n: number
  accepted: number
  /** Distinct chats the edits name: each is read once (`imopenlines.dialog.get`), the store being new. */
  newChats: number
  /** `imopenlines.dialog.get` commands the portal ran. */
  chatReads: number
  requests: number
  rejected503: number
  /** From workers start until every message is mirrored. */
  drainSec: number
  /** From workers start until the last REST request reached the portal. */
  lastRequestSec: number
  mirrored: number
  timedOut: boolean
}

async function drain(n: number, firstId: number, ctx: BenchContext): Promise<DrainRun> {
  const portal = await startBenchPortal(bucket)
  const slack = await startFakeSlack()
  const bridge = await startBenchBridge({
    webhookUrl: portal.portal.webhookUrl,
    outputs: { 'slack.bench': slack.url },
    pipeline: { coalesceWindowMs: 0 },
  })
  try {
    const ids = Array.from({ length: n }, (_, i) => firstId + i)
    const chats = new Set(ids.map(chatOf))
    // The chats exist, as on a real portal: their first read succeeds and is stored, so no chat
    // is read twice (an unknown chat answers ACCESS_ERROR and would be asked again next claim).
    for (const chatId of chats) {
      portal.portal.setChat({
        chatId,
        title: `Customer ${chatId} - Open line`,
        connector: 'telegrambot',
        line: 128,
        sessionId: chatId * 10,
      })
    }
    const floor = bucketMinimumSec(n + chats.size)
    ctx.log(`bitrix efficiency: queueing ${n} edits over HTTP`)
    const posted = await postAll(bridge.url, ids.map(editOf), 16)
    const accepted = posted.statuses.filter((s) => s === 200).length
    const before = { ...portal.portal.stats }
    const startWall = Date.now()
    const start = performance.now()
    ctx.log(`bitrix efficiency: draining ${n} in ${chats.size} chats (bucket floor ${floor} s)`)
    await bridge.app.start()
    const mirrored = () =>
      ids.filter((id) => slack.messages.get(id)?.lastText.endsWith(markerOf(id, 1))).length
    const done = await waitUntil(() => slack.messages.size >= n && mirrored() === n, (floor + 60) * 1000, 50)
    const drainSec = (performance.now() - start) / 1000
    const lastAt = Math.max(startWall, ...portal.portal.requests.map((r) => r.at))
    const chatReads = portal.portal.requests
      .flatMap((r) => r.commands ?? [{ method: r.method }])
      .filter((c) => c.method === 'imopenlines.dialog.get').length
    return {
      n,
      accepted,
      newChats: chats.size,
      chatReads,
      requests: portal.portal.stats.requests - before.requests,
      rejected503: portal.portal.stats.rejected503 - before.rejected503,
      drainSec,
      lastRequestSec: (lastAt - startWall) / 1000,
      mirrored: mirrored(),
      timedOut: !done,
    }
  } finally {
    await bridge.close()
    await slack.close()
    await portal.close()
  }
}

function rowsOf(run: DrainRun): Row[] {
  const fewest = minReadRequests(run.n, run.newChats)
  const messagesOnly = minRequests(run.n)
  const floor = bucketMinimumSec(run.n + run.newChats)
  const requestRatio = ratio(run.requests, fewest)
  const messagesRatio = ratio(run.requests, messagesOnly)
  const rows: Row[] = [
    {
      metric: `N=${run.n}: REST requests`,
      value: run.requests,
      unit: '',
      baseline: `ceil((N + ${run.newChats} new chats)/50)`,
      baselineValue: fewest,
      ...(requestRatio === undefined ? {} : { ratio: requestRatio }),
      goal: '≤ ceil((N + new chats)/50)',
      met: run.requests <= fewest,
    },
    {
      metric: `N=${run.n}: REST requests vs message reads alone`,
      value: run.requests,
      unit: '',
      baseline: 'ceil(N/50), for reference',
      baselineValue: messagesOnly,
      ...(messagesRatio === undefined ? {} : { ratio: messagesRatio }),
      met: null,
    },
    {
      metric: `N=${run.n}: 503s seen`,
      value: run.rejected503,
      unit: '',
      goal: '0',
      met: run.rejected503 === 0,
    },
    {
      metric: `N=${run.n}: edits mirrored`,
      value: run.mirrored,
      unit: '',
      baseline: 'N',
      baselineValue: run.n,
      ratio: run.mirrored / run.n,
      goal: 'all',
      met: run.mirrored === run.n && !run.timedOut,
    },
  ]
  if (floor === 0) {
    rows.push({
      metric: `N=${run.n}: drain time`,
      value: run.drainSec,
      unit: 's',
      baseline: `${fewest} requests fit in the burst: the bucket sets no floor`,
      met: null,
    })
  } else {
    const used = bucketUtilization(run.requests, run.lastRequestSec)
    rows.push(
      {
        metric: `N=${run.n}: drain time`,
        value: run.drainSec,
        unit: 's',
        baseline: 'bucket minimum',
        baselineValue: floor,
        ratio: floor / run.drainSec,
        ratioNote: '(floor ÷ actual)',
        met: null,
      },
      {
        metric: `N=${run.n}: bucket capacity used while the backlog lasted`,
        value: used * 100,
        unit: '%',
        baseline: `burst + 2/s × ${run.lastRequestSec.toFixed(1)} s`,
        goal: '≥ 95 %',
        met: used >= 0.95,
      },
    )
  }
  return rows
}

/** Figure 2: a backlog of distinct edits drained through the real leaky bucket. */
export const bitrixEfficiencyFigure: Figure = async (ctx) => {
  const sizes = ctx.quick ? [1000, 3000] : [1000, 10_000]
  const runs: DrainRun[] = []
  for (const [i, n] of sizes.entries()) runs.push(await drain(n, 2_000_000 + i * 100_000, ctx))
  return {
    id: 2,
    title: 'Bitrix efficiency',
    rows: runs.flatMap(rowsOf),
    notes: [
      `N distinct messages, one fixture edit each, POSTed over HTTP with the workers stopped; then the workers ` +
        `start and the clock runs until every message is mirrored at the Slack-like fake output. Sizes: ${sizes.join(', ')}` +
        (ctx.quick ? ' (quick: 3,000 instead of 10,000 so the bucket still limits).' : '.'),
      'Fake portal enforces burst 50, 2 req/s and answers 503 QUERY_LIMIT_EXCEEDED beyond; its bucket starts ' +
        'empty, as does the bridge client bucket. pipeline.coalesceWindowMs = 0 (the window only delays the ' +
        'first read; all edits are distinct, so nothing could merge).',
      'Each chat holds 10 messages (bench/support/event-bodies.ts chatOf) and exists on the portal; the store ' +
        'starts empty, so the first read of each chat also reads the chat (imopenlines.dialog.get, one batch ' +
        'command): the fewest requests are ceil((N + new chats)/50), ceil(N/50) is shown for reference.',
      'Bucket floor = (ceil((N + new chats)/50) − 50) / 2 s; capacity used = requests ÷ (50 + 2/s × time from workers start ' +
        'to the last REST request).',
      ...runs.map(
        (r) =>
          `N=${r.n}: ${r.accepted} accepted, ${r.newChats} chats, ${r.chatReads} chat reads, ${r.requests} requests, last request after ${r.lastRequestSec.toFixed(1)} s, ` +
          `all mirrored after ${r.drainSec.toFixed(1)} s${r.timedOut ? ' (TIMED OUT)' : ''}.`,
      ),
    ],
  }
}
