import type { FastifyInstance } from 'fastify'
import type { JobState, QueueName } from '../store/store.js'
import type { ConsoleContext } from './context.js'
import type { DeadJobInfo } from './dead-jobs.js'
import { portalName } from './deliveries-page.js'
import { html } from './html.js'
import { page } from './layout.js'

/** Jobs replayed from this console: what they were about, to tell how they ended once gone. */
export type Replays = Map<string, DeadJobInfo & { queue: QueueName; replayedAt: number }>

const label: Record<JobState, [string, string]> = {
  pending: ['waiting', 'idle'],
  leased: ['in progress', 'warn'],
  dead: ['dead again', 'bad'],
  gone: ['done', 'ok'],
}

/** `/dead/progress?id=…`: each replayed job's state; htmx refreshes it every second until all settle. */
export function registerReplayProgress(server: FastifyInstance, ctx: ConsoleContext, replays: Replays): void {
  server.get<{ Querystring: { id?: string | string[] } }>('/dead/progress', async (request, reply) => {
    const raw = request.query.id
    const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).slice(0, 1000)
    const states = await ctx.store.jobStates(ids)
    const rows = await Promise.all(
      ids.map(async (id) => {
        const state = states[id] ?? 'gone'
        const info = replays.get(id)
        let outcome = ''
        if (info?.messageId !== undefined && (state === 'gone' || state === 'dead')) {
          const [latest] = await ctx.store.listDeliveries({
            portal: info.portal,
            messageId: info.messageId,
            output: info.output,
            since: info.replayedAt,
            limit: 1,
          })
          if (latest) outcome = `${latest.status}${latest.detail ? `: ${latest.detail}` : ''}`
        }
        return { id, state, info, outcome }
      }),
    )
    const settled = rows.filter((r) => r.state === 'gone' || r.state === 'dead').length
    const done = settled === rows.length
    const body = html`
<div id="progress" ${done ? '' : html`hx-get="${request.url}" hx-trigger="every 1s" hx-select="#progress" hx-swap="outerHTML"`}>
<p><progress max="${rows.length}" value="${settled}"></progress> ${settled} of ${rows.length} settled${done ? '' : ' (refreshing)'}</p>
<table>
<thead><tr><th>job</th><th>portal</th><th>message</th><th>output</th><th>state</th><th>outcome</th></tr></thead>
<tbody>${rows.map(
      ({ id, state, info, outcome }) => html`<tr data-job="${id}">
  <td>${id}</td><td>${info ? portalName(ctx, info.portal) : ''}</td>
  <td>${info?.messageId !== undefined ? html`<a href="/messages/${encodeURIComponent(info.portal)}/${info.messageId}">${info.messageId}</a>` : ''}</td>
  <td>${info?.output ?? ''}</td>
  <td><span class="status ${label[state][1]}">${label[state][0]}</span></td><td class="outcome">${outcome}</td>
</tr>`,
    )}</tbody>
</table>
${done ? html`<p><a href="/dead">Back to the dead letters</a></p>` : html`<noscript><p><a href="${request.url}">Refresh</a></p></noscript>`}
</div>`
    return reply.type('text/html; charset=utf-8').send(page('Replay', '/dead', request.consoleSession, body))
  })
}
