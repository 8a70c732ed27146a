import { assetPath } from './assets.js'
import { html, type SafeHtml } from './html.js'
import type { Session } from './sessions.js'

const nav = [
  ['/', 'Overview'],
  ['/deliveries', 'Deliveries'],
  ['/dead', 'Dead letters'],
] as const

/**
 * The page shell. Everything is server-rendered and readable without JavaScript; htmx (actions,
 * filters, progress) and uPlot (charts) only add to it. htmx sends the CSRF token as a header.
 */
export function page(title: string, current: string, session: Session | undefined, body: SafeHtml): string {
  const headers = session === undefined ? undefined : JSON.stringify({ 'x-csrf-token': session.csrf })
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · openline-bridge</title>
<link rel="stylesheet" href="${assetPath('console.css')}">
<link rel="stylesheet" href="${assetPath('uplot.css')}">
<script src="${assetPath('htmx.js')}" defer></script>
<script src="${assetPath('uplot.js')}" defer></script>
<script src="${assetPath('console.js')}" defer></script>
</head>
<body hx-headers="${headers}">
<header>
  <strong>openline-bridge</strong>
  ${
    session &&
    html`<nav>${nav.map(([href, label]) => html`<a href="${href}" class="${href === current ? 'current' : ''}">${label}</a>`)}</nav>
  <form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${session.csrf}"><button>Log out</button></form>`
  }
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.value
}

/** "3 min ago"-style age, with the exact time in the title attribute. */
export function when(at: number | undefined, now: number): SafeHtml {
  if (at === undefined) return html`–`
  const iso = new Date(at).toISOString()
  return html`<time datetime="${iso}" title="${iso}">${iso.replace('T', ' ').slice(0, 19)} (${age(now - at)} ago)</time>`
}

export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  if (s < 172_800) return `${Math.round(s / 3600)} h`
  return `${Math.round(s / 86_400)} d`
}
