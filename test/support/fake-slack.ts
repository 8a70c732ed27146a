/**
 * A fake Slack Web API on loopback that speaks Slack's wire format: `POST /api/<method>`, form or
 * JSON body, `Authorization: Bearer <token>`; HTTP 200 with `{ok: true, …}` or `{ok: false, error}`;
 * 429 with `Retry-After` when rate limiting. It keeps channels in memory and records every call.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type FakeChannel, type FakeSlackMessage, SlackState } from './fake-slack-state.js'
import { renderMrkdwn } from './render-mrkdwn.js'

export type { FakeSlackMessage } from './fake-slack-state.js'

export interface FakeSlackCall {
  method: string
  token: string | undefined
  contentType: string
  body: Record<string, string>
  /** What the fake answered: `ok`, a Slack error code, `http <status>` or `429`. */
  answer: string
}

export interface FakeChannelSpec {
  id: string
  name: string
  /** The bot was invited (default true); otherwise posting answers `not_in_channel`. */
  member?: boolean
  archived?: boolean
}

interface Failure {
  method: string | undefined
  times: number
  /** Slack error code, or an HTTP status, or a rate limit. */
  kind: { error: string } | { status: number } | { retryAfter: number }
}

export interface FakeSlack {
  /** Base URL to give the client (`slackApiUrl`), ending in `/api/`. */
  apiUrl: string
  calls: FakeSlackCall[]
  /** Calls of one method, in order. */
  callsTo(method: string): FakeSlackCall[]
  /** Messages currently in a channel (by ID), oldest first, with the metadata they were posted with. */
  messages(channelId: string): FakeSlackMessage[]
  /** The messages of a channel as a Slack client shows them (HTML, see render-mrkdwn.ts), oldest first. */
  rendered(channelId: string): string[]
  /** The next `times` calls (of `method`, or of any method) answer `{ok: false, error}`. */
  failNext(error: string, options?: { method?: string; times?: number }): void
  /** The next `times` calls answer this HTTP status. */
  failHttp(status: number, options?: { method?: string; times?: number }): void
  /** 429 with `Retry-After: seconds` for the next `times` calls, or for `forMs` milliseconds. */
  rateLimit(seconds: number, options?: { method?: string; times?: number; forMs?: number }): void
  /** Remove a message as a Slack user would, so the mirror is gone. */
  removeMessage(channelId: string, ts: string): void
  close(): Promise<void>
}

function parseBody(raw: string, contentType: string): Record<string, string> {
  if (contentType.includes('application/json')) {
    const parsed = JSON.parse(raw) as Record<string, unknown>
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    )
  }
  return Object.fromEntries(new URLSearchParams(raw))
}

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body))
}

export interface FakeSlackOptions {
  token?: string
  channels?: FakeChannelSpec[]
  /** The token has channels:history / groups:history (default true); otherwise `missing_scope`. */
  readHistory?: boolean
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = options.token ?? 'xoxb-test-token'
  const channels = (options.channels ?? [{ id: 'C0SUPPORT', name: 'support' }]).map(
    (c): FakeChannel => ({ ...c, member: c.member ?? true, archived: c.archived ?? false, messages: [] }),
  )
  const state = new SlackState(channels, options.readHistory ?? true)
  const calls: FakeSlackCall[] = []
  const failures: Failure[] = []
  let limitedUntil = 0
  let limitedFor = 0

  const takeFailure = (method: string): Failure['kind'] | undefined => {
    const index = failures.findIndex((f) => f.method === undefined || f.method === method)
    if (index < 0) return undefined
    const failure = failures[index]!
    failure.times -= 1
    if (failure.times <= 0) failures.splice(index, 1)
    return failure.kind
  }

  const handle = (req: IncomingMessage, raw: string, res: ServerResponse): void => {
    const method = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '')
    const contentType = req.headers['content-type'] ?? ''
    const body = parseBody(raw, contentType)
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const call: FakeSlackCall = { method, token: bearer ?? body.token, contentType, body, answer: 'ok' }
    calls.push(call)
    const failure: Failure['kind'] | undefined =
      Date.now() < limitedUntil ? { retryAfter: limitedFor } : takeFailure(method)
    if (failure && 'retryAfter' in failure) {
      call.answer = '429'
      reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter) })
      return
    }
    if (failure && 'status' in failure) {
      call.answer = `http ${failure.status}`
      res.writeHead(failure.status, { 'content-type': 'text/html' }).end('<html>upstream trouble</html>')
      return
    }
    const answer = failure
      ? { ok: false, error: failure.error }
      : call.token === undefined
        ? { ok: false, error: 'not_authed' }
        : call.token !== token
          ? { ok: false, error: 'invalid_auth' }
          : state.call(method, body)
    if (answer.ok === false) call.answer = String(answer.error)
    reply(res, 200, answer)
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages: (channelId) => state.messages(channelId),
    rendered: (channelId) => state.messages(channelId).map((m) => renderMrkdwn(m.text)),
    failNext(error, opts = {}) {
      failures.push({ method: opts.method, times: opts.times ?? 1, kind: { error } })
    },
    failHttp(status, opts = {}) {
      failures.push({ method: opts.method, times: opts.times ?? 1, kind: { status } })
    },
    rateLimit(seconds, opts = {}) {
      if (opts.forMs !== undefined) {
        limitedUntil = Date.now() + opts.forMs
        limitedFor = seconds
      } else {
        failures.push({ method: opts.method, times: opts.times ?? 1, kind: { retryAfter: seconds } })
      }
    },
    removeMessage: (channelId, ts) => state.remove(channelId, ts),
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
