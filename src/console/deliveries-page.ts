import type { FastifyInstance } from 'fastify'
import type { DeliveryQuery, DeliveryStatus } from '../store/store.js'
import type { ConsoleContext } from './context.js'
import { html } from './html.js'
import { page } from './layout.js'
import { renderTimeline } from './timeline.js'

const statuses: readonly DeliveryStatus[] = ['delivered', 'skipped', 'failed', 'dead', 'ignored']
type Filters = Partial<
  Record<'portal' | 'chat' | 'message' | 'output' | 'status' | 'since' | 'until', string>
>

const statusClass: Record<DeliveryStatus, string> = {
  delivered: 'ok',
  skipped: 'idle',
  ignored: 'idle',
  failed: 'warn',
  dead: 'bad',
}

/** Deliveries: search the delivery log; each message links to its timeline. */
export function registerDeliveriesPages(server: FastifyInstance, ctx: ConsoleContext): void {
  server.get<{ Querystring: Filters }>('/deliveries', async (request, reply) => {
    const f = request.query
    const entries = await ctx.store.listDeliveries(toQuery(ctx, f))
    const field = (name: keyof Filters, label: string, type = 'text') =>
      html`<label>${label}<input name="${name}" type="${type}" value="${f[name] ?? ''}"></label>`
    const body = html`
<form class="filters" method="get" action="/deliveries" hx-get="/deliveries" hx-target="#results" hx-select="#results" hx-swap="outerHTML" hx-push-url="true" hx-trigger="change, submit">
  ${field('portal', 'portal (member id or domain)')}
  ${field('chat', 'chat id')}
  ${field('message', 'message id')}
  <label>output<select name="output"><option value="">any</option>${['-', ...ctx.outputs.keys()].map(
    (id) =>
      html`<option value="${id}" ${f.output === id ? 'selected' : ''}>${id === '-' ? '- (Bitrix24 reads)' : id}</option>`,
  )}</select></label>
  <label>status<select name="status"><option value="">any</option>${statuses.map(
    (s) => html`<option ${f.status === s ? 'selected' : ''}>${s}</option>`,
  )}</select></label>
  ${field('since', 'from (UTC)', 'datetime-local')}
  ${field('until', 'to (UTC)', 'datetime-local')}
  <button class="primary">Search</button>
</form>
<div id="results">
<table>
<thead><tr><th>time (UTC)</th><th>portal</th><th>chat</th><th>message</th><th>output</th><th>action</th><th>status</th><th>attempt</th><th>detail</th></tr></thead>
<tbody>${entries.map(
      (e) => html`<tr>
  <td>${new Date(e.at).toISOString().replace('T', ' ').slice(0, 23)}</td><td>${portalName(ctx, e.portal)}</td>
  <td>${e.chatId ?? ''}</td>
  <td><a href="/messages/${encodeURIComponent(e.portal)}/${e.messageId}">${e.messageId}</a></td>
  <td>${e.output}</td><td>${e.action}</td>
  <td><span class="status ${statusClass[e.status]}">${e.status}</span>${e.unverified && html` <span class="status warn">unverified</span>`}</td>
  <td class="num">${e.attempt}</td><td>${e.detail ?? ''}</td>
</tr>`,
    )}</tbody>
</table>
${entries.length === 0 && html`<p class="muted">No delivery log entries match.</p>`}
</div>`
    return reply
      .type('text/html; charset=utf-8')
      .send(page('Deliveries', '/deliveries', request.consoleSession, body))
  })

  server.get<{ Params: { portal: string; messageId: string } }>(
    '/messages/:portal/:messageId',
    async (request, reply) => {
      const { portal } = request.params
      const messageId = Number(request.params.messageId)
      if (!Number.isSafeInteger(messageId))
        return reply.code(400).send({ error: 'messageId must be a number' })
      const body = await renderTimeline(ctx, portal, messageId)
      const title = `Message ${messageId} on ${portalName(ctx, portal)}`
      return reply
        .type('text/html; charset=utf-8')
        .send(page(title, '/deliveries', request.consoleSession, body))
    },
  )
}

export function portalName(ctx: ConsoleContext, id: string): string {
  return ctx.portals.get(id)?.domain ?? id
}

function toQuery(ctx: ConsoleContext, f: Filters): DeliveryQuery {
  const q: DeliveryQuery = { limit: 200 }
  if (f.portal) {
    const wanted = f.portal.trim().toLowerCase()
    q.portal = ctx.portals.list().find((p) => p.domain.toLowerCase() === wanted)?.id ?? f.portal.trim()
  }
  const chat = Number(f.chat)
  if (f.chat && Number.isSafeInteger(chat)) q.chatId = chat
  const message = Number(f.message)
  if (f.message && Number.isSafeInteger(message)) q.messageId = message
  if (f.output) q.output = f.output
  if (f.status && (statuses as readonly string[]).includes(f.status)) q.status = f.status as DeliveryStatus
  const since = Date.parse(`${f.since}Z`)
  if (f.since && Number.isFinite(since)) q.since = since
  const until = Date.parse(`${f.until}Z`)
  if (f.until && Number.isFinite(until)) q.until = until + 59_999 // the whole minute picked
  return q
}
