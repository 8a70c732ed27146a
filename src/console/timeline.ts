import type { DeliveryLogEntry } from '../store/store.js'
import type { ConsoleContext } from './context.js'
import { html, type SafeHtml } from './html.js'

/** One message's story, oldest first: received, read, delivered per output, retries and errors. */
export async function renderTimeline(
  ctx: ConsoleContext,
  portal: string,
  messageId: number,
): Promise<SafeHtml> {
  const entries = (await ctx.store.listDeliveries({ portal, messageId, limit: 500 })).reverse()
  const received = entries.map((e) => e.receivedAt).filter((t): t is number => t !== undefined)
  const chatId = entries.find((e) => e.chatId !== undefined)?.chatId
  const mirrors = await Promise.all(
    [...ctx.outputs.keys()].map(async (output) => ({
      output,
      mirror: await ctx.store.getMirror(portal, messageId, output),
    })),
  )
  const items: SafeHtml[] = []
  for (const first of received.length > 0 ? [Math.min(...received)] : []) {
    items.push(html`<li class="ok"><b>${time(first)}</b> event received (stored, answered 200)</li>`)
  }
  for (const e of entries) items.push(item(e))
  return html`
<p>Chat ${chatId ?? '?'} · <a href="/deliveries?portal=${encodeURIComponent(portal)}&amp;message=${messageId}">log entries</a></p>
<ol class="timeline" id="timeline">${items}</ol>
${entries.length === 0 && html`<p class="muted">No delivery log entries for this message.</p>`}
<h2>Mirrors now</h2>
<table id="mirrors">
<thead><tr><th>output</th><th>external ref</th><th>version</th><th>updated</th></tr></thead>
<tbody>${mirrors.map(
    ({ output, mirror }) =>
      html`<tr><td>${output}</td><td>${
        mirror && mirror.ref !== null
          ? html`<code>${JSON.stringify(mirror.ref)}</code>`
          : html`<span class="muted">not mirrored${mirror && ' (a send was started; its idempotency key is kept for the retry)'}</span>`
      }</td><td>${mirror?.version ?? ''}</td><td>${mirror ? time(mirror.updatedAt) : ''}</td></tr>`,
  )}</tbody>
</table>`
}

function item(e: DeliveryLogEntry): SafeHtml {
  const at = html`<b>${time(e.at)}</b>`
  const unverified =
    e.unverified === true && html` <span class="status warn">unverified: text from the event</span>`
  if (e.output === '-') {
    if (e.action === 'read' && e.status === 'delivered')
      return html`<li class="ok">${at} read from Bitrix24 via <code>${e.detail ?? 'REST'}</code>${unverified}</li>`
    if (e.status === 'failed')
      return html`<li class="warn">${at} read attempt ${e.attempt} failed: ${e.detail ?? ''} (will retry)</li>`
    if (e.status === 'dead') return html`<li class="bad">${at} read dead-lettered: ${e.detail ?? ''}</li>`
    return html`<li>${at} ${e.action} ${e.status}: ${e.detail ?? ''}</li>`
  }
  if (e.status === 'delivered')
    return html`<li class="ok">${at} delivered to <b>${e.output}</b> (${e.action})${
      e.ref && html`, ref <code>${e.ref}</code>`
    }${unverified}</li>`
  if (e.status === 'failed')
    return html`<li class="warn">${at} ${e.output}: attempt ${e.attempt} failed (${e.action}): ${e.detail ?? ''}</li>`
  if (e.status === 'dead')
    return html`<li class="bad">${at} ${e.output}: dead-lettered: ${e.detail ?? ''}</li>`
  return html`<li>${at} ${e.output}: ${e.status} (${e.action})${e.detail && html`: ${e.detail}`}</li>`
}

function time(at: number): string {
  return `${new Date(at).toISOString().replace('T', ' ').slice(0, 23)} UTC`
}
