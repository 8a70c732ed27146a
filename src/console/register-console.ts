import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { registerAssets } from './assets.js'
import type { ConsoleContext } from './context.js'
import { registerDeadLetterPages } from './dead-letters-page.js'
import { registerDeliveriesPages } from './deliveries-page.js'
import { html } from './html.js'
import { page } from './layout.js'
import { createLoginThrottle } from './login-throttle.js'
import { registerOverviewPage } from './overview-page.js'
import { createSessions, type Session } from './sessions.js'

export const SESSION_COOKIE = 'olb_console'

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: Session
  }
}

/** Form bodies as URLSearchParams (repeated fields such as `id` keep every value). */
export type FormBody = URLSearchParams

export interface ConsoleOptions extends ConsoleContext {
  /** `server.admin.token`; empty = the console is off. */
  token: string
}

const open = new Set(['/login', '/healthz', '/readyz', '/metrics'])

/**
 * The status console on the admin listener. Every page needs a session (cookie after logging in
 * with `server.admin.token`); every POST also needs the session's CSRF token (form field `_csrf`
 * or header `x-csrf-token`), so a page on another site cannot make a logged-in browser act.
 */
export function registerConsole(server: FastifyInstance, options: ConsoleOptions): void {
  if (options.token === '') {
    server.get('/', async (_request, reply) =>
      reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send(
          'The status console is off: set server.admin.token (e.g. ${BRIDGE_ADMIN_TOKEN}) to turn it on.\n',
        ),
    )
    return
  }
  const sessions = createSessions({ token: options.token, now: options.now })
  const throttle = createLoginThrottle(options.now)
  server.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, body, done) => done(null, new URLSearchParams(body as string)),
  )
  registerAssets(server)

  server.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (open.has(path) || path.startsWith('/assets/')) return
    const session = sessions.fromCookie(readCookie(request, SESSION_COOKIE))
    if (session === undefined) return refuse(request, reply, 'log in first')
    request.consoleSession = session
  })
  server.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return
    request.body = toForm(request.body)
    const session = request.consoleSession
    if (session === undefined) return
    const sent = request.headers['x-csrf-token'] ?? (request.body as FormBody).get('_csrf')
    if (!sessions.csrfOk(session, typeof sent === 'string' ? sent : undefined)) {
      return reply
        .code(403)
        .type('text/plain; charset=utf-8')
        .send('refused: missing or wrong CSRF token; reload the page')
    }
  })

  server.get('/login', async (_request, reply) => reply.type('text/html; charset=utf-8').send(loginPage()))
  server.post<{ Body: FormBody }>('/login', async (request, reply) => {
    const wait = throttle.retryAfterMs(request.ip)
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000)
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(wait / 1000)))
        .type('text/html; charset=utf-8')
        .send(loginPage(`too many wrong tokens from this address; try again in ${minutes} min`))
    }
    const session = sessions.login(request.body?.get('token') ?? '')
    if (session === undefined) {
      throttle.failed(request.ip)
      return reply.code(401).type('text/html; charset=utf-8').send(loginPage('wrong token'))
    }
    throttle.succeeded(request.ip)
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${sessions.cookie(session)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200`,
    )
    return reply.redirect('/', 303)
  })
  server.post('/logout', async (request, reply) => {
    if (request.consoleSession) sessions.logout(request.consoleSession)
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`)
    return reply.redirect('/login', 303)
  })

  registerOverviewPage(server, options)
  registerDeliveriesPages(server, options)
  registerDeadLetterPages(server, options)
}

/** Every action reads a form; a JSON body (scripts) becomes one too, anything else an empty one. */
function toForm(body: unknown): FormBody {
  if (body instanceof URLSearchParams) return body
  const form = new URLSearchParams()
  if (body !== null && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'string' || typeof v === 'number') form.append(key, String(v))
      }
    }
  }
  return form
}

function refuse(request: FastifyRequest, reply: FastifyReply, why: string) {
  if (request.method === 'GET' && request.headers['hx-request'] === undefined)
    return reply.redirect('/login', 303)
  return reply
    .code(401)
    .type('text/plain; charset=utf-8')
    .send(`${why}: ${request.method} ${request.url.split('?')[0]}`)
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function loginPage(error?: string): string {
  return page(
    'Log in',
    '/login',
    undefined,
    html`<form method="post" action="/login" class="login">
  <label for="token">Admin token (<code>server.admin.token</code>)</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  ${error && html`<p class="error" role="alert">${error}</p>`}
  <button class="primary">Log in</button>
</form>`,
  )
}
