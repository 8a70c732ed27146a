import type { FastifyInstance } from 'fastify'
import type { ConsoleContext } from './context.js'
import { type DeadFilters, describeDeadJob, matches } from './dead-jobs.js'
import { portalName } from './deliveries-page.js'
import { html } from './html.js'
import { page, when } from './layout.js'
import { redactPayload } from './redact-payload.js'
import type { FormBody } from './register-console.js'
import { type Replays, registerReplayProgress } from './replay-progress.js'

const LIST_LIMIT = 1000

/** Dead letters: filter, inspect (secrets masked), replay one or many with progress, discard after confirming. */
export function registerDeadLetterPages(server: FastifyInstance, ctx: ConsoleContext): void {
  const replays: Replays = new Map()

  server.get<{ Querystring: DeadFilters }>('/dead', async (request, reply) => {
    const f = { ...request.query }
    if (f.portal) f.portal = ctx.portals.list().find((p) => p.domain === f.portal)?.id ?? f.portal
    const rows = (await ctx.store.listDead(undefined, LIST_LIMIT))
      .map((job) => ({ job, info: describeDeadJob(job) }))
      .filter(({ job, info }) => matches(job, info, f))
    const now = ctx.now()
    const field = (name: keyof DeadFilters, label: string) =>
      html`<label>${label}<input name="${name}" value="${request.query[name] ?? ''}"></label>`
    const body = html`
<form class="filters" method="get" action="/dead" hx-get="/dead" hx-target="#dead" hx-select="#dead" hx-swap="outerHTML" hx-push-url="true" hx-trigger="change, submit">
  <label>stage<select name="queue"><option value="">any</option>${['fetch', 'deliver'].map(
    (q) => html`<option ${f.queue === q ? 'selected' : ''}>${q}</option>`,
  )}</select></label>
  <label>output<select name="output"><option value="">any</option>${['-', ...ctx.outputs.keys()].map(
    (id) => html`<option value="${id}" ${f.output === id ? 'selected' : ''}>${id}</option>`,
  )}</select></label>
  ${field('portal', 'portal')}
  ${field('reason', 'reason contains')}
  <button class="primary">Filter</button>
</form>
<form method="post" id="dead">
<input type="hidden" name="_csrf" value="${request.consoleSession?.csrf ?? ''}">
<div class="actions">
  <button class="primary" formaction="/dead/replay">Replay selected</button>
  <button class="danger" formaction="/dead/discard">Discard selected…</button>
  <span class="muted">${rows.length} dead letter(s)${rows.length === LIST_LIMIT ? ' (the newest only)' : ''}</span>
</div>
<table>
<thead><tr><th><input type="checkbox" id="select-all" aria-label="select all"></th><th>id</th><th>stage</th><th>portal</th><th>message</th><th>output</th><th>attempts</th><th>dead since</th><th>reason</th></tr></thead>
<tbody>${rows.map(
      ({ job, info }) => html`<tr>
  <td><input type="checkbox" name="id" value="${job.id}" aria-label="select ${job.id}"></td>
  <td><a href="/dead/${job.id}">${job.id}</a></td><td>${job.queue}</td><td>${portalName(ctx, info.portal)}</td>
  <td>${info.messageId === undefined ? '' : html`<a href="/messages/${encodeURIComponent(info.portal)}/${info.messageId}">${info.messageId}</a>`}</td>
  <td>${info.output}</td><td class="num">${job.attempts}</td><td>${when(job.deadAt, now)}</td><td>${job.reason}</td>
</tr>`,
    )}</tbody>
</table>
</form>`
    return reply
      .type('text/html; charset=utf-8')
      .send(page('Dead letters', '/dead', request.consoleSession, body))
  })

  server.get<{ Params: { id: string } }>('/dead/:id', async (request, reply) => {
    const job = (await ctx.store.listDead(undefined, 100_000)).find((j) => j.id === request.params.id)
    if (job === undefined)
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('no such dead letter (replayed or discarded?)')
    const info = describeDeadJob(job)
    const body = html`
<table id="dead-job">
<tr><th>id</th><td>${job.id}</td></tr><tr><th>stage</th><td>${job.queue}</td></tr>
<tr><th>portal</th><td>${portalName(ctx, info.portal)}</td></tr><tr><th>output</th><td>${info.output}</td></tr>
<tr><th>attempts</th><td>${job.attempts}</td></tr><tr><th>first stored</th><td>${when(job.createdAt, ctx.now())}</td></tr>
<tr><th>dead since</th><td>${when(job.deadAt, ctx.now())}</td></tr><tr><th>reason</th><td>${job.reason}</td></tr>
<tr><th>last error</th><td>${job.lastError ?? ''}</td></tr>
</table>
<h2>Payload <span class="muted">(tokens and webhook codes masked)</span></h2>
<pre id="payload">${JSON.stringify(redactPayload(job.payload), null, 2)}</pre>
<form method="post" class="actions">
  <input type="hidden" name="_csrf" value="${request.consoleSession?.csrf ?? ''}">
  <input type="hidden" name="id" value="${job.id}">
  <button class="primary" formaction="/dead/replay">Replay</button>
  <button class="danger" formaction="/dead/discard">Discard…</button>
</form>`
    return reply
      .type('text/html; charset=utf-8')
      .send(page(`Dead letter ${job.id}`, '/dead', request.consoleSession, body))
  })

  server.post<{ Body: FormBody }>('/dead/discard', async (request, reply) => {
    const ids = request.body.getAll('id')
    if (request.body.get('confirm') !== 'yes') {
      const body = html`
<form method="post" action="/dead/discard" id="confirm">
  <p>Discard ${ids.length} dead letter(s) for good? They will not be delivered, and cannot be replayed afterwards.</p>
  <input type="hidden" name="_csrf" value="${request.consoleSession?.csrf ?? ''}">
  <input type="hidden" name="confirm" value="yes">
  ${ids.map((id) => html`<input type="hidden" name="id" value="${id}">`)}
  <div class="actions"><button class="danger">Discard ${ids.length}</button><a href="/dead">Cancel</a></div>
</form>`
      return reply
        .type('text/html; charset=utf-8')
        .send(page('Discard dead letters', '/dead', request.consoleSession, body))
    }
    const removed = await ctx.store.discardDead(ids)
    const body = html`<p id="discarded">Discarded ${removed} dead letter(s). <a href="/dead">Back to the dead letters</a></p>`
    return reply
      .type('text/html; charset=utf-8')
      .send(page('Discarded', '/dead', request.consoleSession, body))
  })

  server.post<{ Body: FormBody }>('/dead/replay', async (request, reply) => {
    const ids = request.body.getAll('id')
    const dead = new Map((await ctx.store.listDead(undefined, 100_000)).map((j) => [j.id, j]))
    for (const id of ids) {
      const job = dead.get(id)
      if (job === undefined) continue
      if (replays.size >= 10_000) replays.delete(replays.keys().next().value as string)
      replays.set(id, { ...describeDeadJob(job), queue: job.queue, replayedAt: ctx.now() })
    }
    await ctx.store.replayDead(ids)
    ctx.wake()
    const query = new URLSearchParams(ids.map((id): [string, string] => ['id', id])).toString()
    return reply.redirect(`/dead/progress?${query}`, 303)
  })

  registerReplayProgress(server, ctx, replays)
}
