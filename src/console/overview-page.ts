import type { FastifyInstance } from 'fastify'
import type { QueueName } from '../store/store.js'
import type { ConsoleContext } from './context.js'
import { html, jsonIsland } from './html.js'
import { age, page, when } from './layout.js'
import { readOutputStatus, withStartState } from './output-status.js'
import { readPortalRows } from './portal-rows.js'

const DAY = 24 * 3600_000
const MINUTE = 60_000
const stages: readonly [QueueName, string][] = [
  ['fetch', 'read from Bitrix24'],
  ['deliver', 'deliver to outputs'],
]

const badge = {
  ready: 'ok',
  idle: 'idle',
  paused: 'warn',
  failing: 'bad',
  starting: 'warn',
  'not started': 'bad',
} as const

/** Overview: portals, outputs, queues, and the last 24 h as charts. */
export function registerOverviewPage(server: FastifyInstance, ctx: ConsoleContext): void {
  server.get('/', async (request, reply) => {
    const now = ctx.now()
    const portals = await readPortalRows(ctx)
    const outputs = await Promise.all(
      [...ctx.outputs].map(async ([id, type]) =>
        withStartState(await readOutputStatus(ctx.store, id, type, now), ctx.notReadyOutputs?.() ?? []),
      ),
    )
    const counts = await ctx.counts.get()
    const oldest = await Promise.all(stages.map(([queue]) => ctx.store.oldestPending(queue)))
    await ctx.flushEvents()
    const activity = await ctx.store.activity(now - DAY)
    const chart = chartData(activity, now)
    const total = (k: 'events' | 'reads' | 'deliveries') => activity.reduce((n, m) => n + m[k], 0)

    const body = html`
<h2>Portals</h2>
<table id="portals">
<thead><tr><th>portal</th><th>member id</th><th>mode</th><th>status</th><th>what to do</th></tr></thead>
<tbody>${portals.map(
      (p) => html`<tr>
  <td>${p.domain}</td><td><code>${p.id}</code></td><td>${p.mode}</td>
  <td><span class="status ${p.status === 'active' ? 'ok' : 'bad'}">${p.status}</span>${p.reason && html`<br><span class="muted">${p.reason}</span>`}</td>
  <td>${p.status === 'active' ? html`<span class="muted">nothing</span>` : 'Reinstall the application on this portal; its messages wait and are mirrored after the install.'}</td>
</tr>`,
    )}</tbody>
</table>

<h2>Outputs</h2>
<table id="outputs">
<thead><tr><th>output</th><th>type</th><th>state</th><th>last error</th><th>last delivered</th></tr></thead>
<tbody>${outputs.map(
      (o) => html`<tr>
  <td><a href="/deliveries?output=${encodeURIComponent(o.id)}">${o.id}</a></td><td>${o.type}</td>
  <td><span class="status ${badge[o.state]}">${o.state}</span>${
    o.pausedUntil !== undefined &&
    html` <span class="muted">by Retry-After until ${new Date(o.pausedUntil).toISOString()}</span>`
  }${o.nextStartAt !== undefined && html` <span class="muted">next try ${new Date(o.nextStartAt).toISOString()}</span>`}</td>
  <td>${o.lastError ?? html`<span class="muted">–</span>`}</td>
  <td>${when(o.lastDeliveredAt, now)}</td>
</tr>`,
    )}</tbody>
</table>

<h2>Queues</h2>
<table id="queues">
<thead><tr><th>stage</th><th>waiting</th><th>in progress</th><th>dead letters</th><th>oldest waiting</th></tr></thead>
<tbody>${stages.map(([queue, label], i) => {
      const c = counts[queue]
      const first = oldest[i]
      return html`<tr>
  <td>${queue} <span class="muted">(${label})</span></td>
  <td class="num">${c?.pending ?? '?'}</td><td class="num">${c?.leased ?? '?'}</td>
  <td class="num">${c && c.dead > 0 ? html`<a href="/dead?queue=${queue}">${c.dead}</a>` : (c?.dead ?? '?')}</td>
  <td>${first === undefined ? html`<span class="muted">none</span>` : html`${age(now - first)} <span class="muted">(${new Date(first).toISOString()})</span>`}</td>
</tr>`
    })}</tbody>
</table>

<h2>Last 24 hours</h2>
<p id="totals">${total('events')} events received, ${total('reads')} reads, ${total('deliveries')} deliveries.</p>
<div class="charts">
  <div class="chart" id="chart-counts"><noscript>Charts need JavaScript; the totals above do not.</noscript></div>
  <div class="chart" id="chart-latency"></div>
</div>
<script type="application/json" id="activity-data">${jsonIsland(chart)}</script>`
    return reply.type('text/html; charset=utf-8').send(page('Overview', '/', request.consoleSession, body))
  })
}

/** Every minute of the last 24 h (uPlot wants aligned arrays): zero counts, no latency when idle. */
function chartData(activity: Awaited<ReturnType<ConsoleContext['store']['activity']>>, now: number) {
  const byMinute = new Map(activity.map((m) => [m.minute, m]))
  const end = Math.floor(now / MINUTE) * MINUTE
  const out = {
    t: [] as number[],
    events: [] as number[],
    reads: [] as number[],
    deliveries: [] as number[],
    p50: [] as (number | null)[],
    p95: [] as (number | null)[],
  }
  for (let minute = end - DAY + MINUTE; minute <= end; minute += MINUTE) {
    const m = byMinute.get(minute)
    out.t.push(minute / 1000)
    out.events.push(m?.events ?? 0)
    out.reads.push(m?.reads ?? 0)
    out.deliveries.push(m?.deliveries ?? 0)
    out.p50.push(m?.latencyP50 ?? null)
    out.p95.push(m?.latencyP95 ?? null)
  }
  return out
}
