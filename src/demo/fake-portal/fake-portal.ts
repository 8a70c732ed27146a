import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import qs from 'qs'
import { createFakeBucket, type FakeBucket } from './fake-portal-bucket.js'
import { chatMethods, type FakeChat } from './fake-portal-chats.js'
import { diskMethods } from './fake-portal-disk.js'
import { addOfflineEvent, createEventState, eventMethods } from './fake-portal-events.js'
import {
  type FakeFile,
  type FakeMessage,
  type FakeMethod,
  type FakePortalState,
  FakeRestError,
  type FakeUser,
  parseBatchCommands,
  runBatch,
  runMethod,
} from './fake-portal-methods.js'
import { createFakeOperating } from './fake-portal-operating.js'
import type { FakeFailure, FakePortal, FakePortalOptions, FakeRequest } from './fake-portal-types.js'

// A fake Bitrix24 portal on loopback speaking the real wire format: form-encoded POSTs to
// /rest/<user>/<code>/<method> (incoming webhook) or /rest/<method> with auth=<access token> (OAuth
// app). Used by integration tests, the demo and the benchmarks (via tsx: so no vitest import here).

export type { FakeFailure, FakePortal, FakePortalOptions, FakeRequest } from './fake-portal-types.js'
export type { FakeChat, FakeFile, FakeMessage, FakeMethod, FakeUser }
export { FakeRestError }

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.destroyed || res.writableEnded) return
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(text)
}

/** A `{"result":{…"xxxx…"}}` reply of `total` bytes, written as fast as the client reads it. */
function streamReply(res: ServerResponse, total: number, written: (bytes: number) => void): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
  const head = Buffer.from('{"result":{"result":{"m1":"')
  const filler = Buffer.alloc(64 * 1024, 0x78)
  let sent = 0
  const pump = () => {
    while (!res.destroyed) {
      if (sent >= total) {
        res.end('"}}}')
        return
      }
      const piece = sent === 0 ? head : filler
      sent += piece.length
      written(piece.length)
      if (!res.write(piece)) {
        res.once('drain', pump)
        return
      }
    }
  }
  pump()
}

async function readParams(req: IncomingMessage, query: string): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  const fromQuery = qs.parse(query, { depth: 10 }) as Record<string, unknown>
  if ((req.headers['content-type'] ?? '').includes('json') && text !== '') {
    return { ...fromQuery, ...(JSON.parse(text) as Record<string, unknown>) }
  }
  return {
    ...fromQuery,
    ...(qs.parse(text, { depth: 10, parameterLimit: 10_000 }) as Record<string, unknown>),
  }
}

export async function startFakePortal(options: FakePortalOptions = {}): Promise<FakePortal> {
  const userId = options.userId ?? 1
  const code = options.code ?? 'testcode'
  const state: FakePortalState = {
    messages: new Map(),
    users: new Map(),
    nonMemberChats: new Set(),
    joinedFrom: new Map(),
    historyAccess: options.historyAccess ?? true,
    custom: new Map(),
    builtin: new Map(),
    origin: '',
  }
  const events = createEventState()
  const chats = new Map<number, FakeChat>()
  const publicLinks = new Map<number, string>()
  state.builtin = new Map([
    ...eventMethods(events),
    ...chatMethods(chats, state),
    ...diskMethods(state, publicLinks),
  ])
  const operating = createFakeOperating(options.operatingLimit)
  state.charge = (method) => operating.charge(method)
  state.timeOf = (method, startedAt) => operating.time(method, startedAt)
  // OAuth mode: access tokens the portal accepts, and the ones it calls expired.
  const tokens = new Map<string, 'valid' | 'expired' | 'invalid'>()
  let bucket: FakeBucket | undefined = options.rateLimit && createFakeBucket(options.rateLimit)
  let failures: Array<{ left: number; until: number; failure: FakeFailure }> = []
  let redirectBase: string | undefined
  const timers = new Set<NodeJS.Timeout>()
  const requests: FakeRequest[] = []
  const stats = { requests: 0, rejected503: 0, commands: 0, streamedBytes: 0 }

  function nextFailure(): FakeFailure | undefined {
    const now = Date.now()
    failures = failures.filter((f) => f.left > 0 && f.until > now)
    const first = failures[0]
    if (first === undefined) return undefined
    first.left -= 1
    return first.failure
  }

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })

  async function answer(req: IncomingMessage, res: ServerResponse, record: FakeRequest): Promise<void> {
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      record.status = status
      if (status === 503) stats.rejected503 += 1
      send(res, status, body, headers)
    }
    const url = new URL(req.url ?? '/', 'http://fake')
    const match = /^\/rest\/([^/]+)\/([^/]+)\/([^/]+?)(?:\.json)?$/.exec(url.pathname)
    const oauth = /^\/rest\/([^/]+?)(?:\.json)?$/.exec(url.pathname)
    record.params = await readParams(req, url.search.slice(1))
    if (match === null && oauth === null) {
      return reply(404, { error: 'NOT_FOUND', error_description: 'Not a REST path' })
    }
    const method = (match === null ? oauth?.[1] : match[3]) ?? ''
    record.method = method
    if (oauth !== null) record.auth = String(record.params.auth ?? '')
    if (redirectBase !== undefined) return reply(302, '', { location: `${redirectBase}${url.pathname}` })
    const failure = nextFailure()
    if (failure?.delayMs !== undefined) await delay(failure.delayMs)
    if (failure?.streamBytes !== undefined) {
      record.status = 200
      return streamReply(res, failure.streamBytes, (n) => {
        stats.streamedBytes += n
      })
    }
    if (failure?.status !== undefined) return reply(failure.status, failure.body ?? '', failure.headers)
    if (match !== null && (match[1] !== String(userId) || match[2] !== code)) {
      return reply(401, { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' })
    }
    if (oauth !== null) {
      const known = tokens.get(record.auth ?? '')
      if (known === 'expired') {
        return reply(401, {
          error: 'expired_token',
          error_description: 'The access token provided has expired.',
        })
      }
      if (known === 'invalid') {
        return reply(401, {
          error: 'invalid_token',
          error_description: 'The access token provided is invalid.',
        })
      }
      if (known === undefined)
        return reply(401, { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' })
      delete record.params.auth
    }
    if (bucket !== undefined && !bucket.admit()) {
      return reply(503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })
    }
    const startedAt = Date.now() / 1000
    try {
      if (method === 'batch') {
        record.commands = parseBatchCommands(record.params)
        stats.commands += record.commands.length
        const halt = String(record.params.halt ?? '0') === '1'
        const result = runBatch(state, record.commands, halt)
        return reply(200, { result, time: operating.time(method, startedAt) })
      }
      stats.commands += 1
      const result = runMethod(state, method, record.params)
      // Every successful reply carries `time`, with the method's operating figures.
      return reply(200, { result, time: operating.time(method, startedAt) })
    } catch (err) {
      if (!(err instanceof FakeRestError)) throw err
      return reply(err.status, { error: err.error, error_description: err.description })
    }
  }

  const server = createServer((req, res) => {
    stats.requests += 1
    const record: FakeRequest = { method: '', params: {}, at: Date.now(), status: 0 }
    requests.push(record)
    answer(req, res, record).catch((err: unknown) => {
      record.status = 500
      send(res, 500, { error: 'INTERNAL_SERVER_ERROR', error_description: String(err) })
    })
  })
  const listenHost = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://${listenHost}:${port}`
  state.origin = url

  return {
    url,
    webhookUrl: `${url}/rest/${userId}/${code}/`,
    restUrl: `${url}/rest/`,
    host: `${listenHost}:${port}`,
    requests,
    stats,
    setMessage: (message) => void state.messages.set(message.id, message),
    deleteMessage(id) {
      // A chat delete is soft: the row stays, its text emptied and params.IS_DELETED = 'Y'.
      const message = state.messages.get(id)
      if (message !== undefined) {
        state.messages.set(id, { ...message, text: '', params: { ...message.params, IS_DELETED: 'Y' } })
      }
    },
    eraseMessage: (id) => void state.messages.delete(id),
    setJoinedFrom: (chatId, firstVisibleId) => void state.joinedFrom.set(chatId, firstVisibleId),
    addUser: (user) => void state.users.set(user.id, user),
    setChat: (chat) => void chats.set(chat.chatId, chat),
    setMember(chatId, member) {
      if (member) state.nonMemberChats.delete(chatId)
      else state.nonMemberChats.add(chatId)
    },
    setHistoryAccess(allowed) {
      state.historyAccess = allowed
    },
    setScopes(scopes) {
      if (scopes === undefined) delete state.scopes
      else state.scopes = new Set(scopes)
    },
    publicLinks,
    setRateLimit(limit) {
      bucket = limit && createFakeBucket(limit)
    },
    failNext: (n, failure) => void failures.push({ left: n, until: Number.POSITIVE_INFINITY, failure }),
    failFor: (ms, failure) =>
      void failures.push({ left: Number.POSITIVE_INFINITY, until: Date.now() + ms, failure }),
    redirectTo(baseUrl) {
      redirectBase = baseUrl?.replace(/\/+$/, '')
    },
    handle: (method, fn) => void state.custom.set(method, fn),
    unhandle: (method) => void state.custom.delete(method),
    issueToken(token = `fake-access-${randomBytes(6).toString('hex')}`) {
      tokens.set(token, 'valid')
      return token
    },
    expireToken: (token) => void tokens.set(token, 'expired'),
    invalidateToken: (token) => void tokens.set(token, 'invalid'),
    setOperating: (method, seconds, resetAt) => operating.set(method, seconds, resetAt),
    setOperatingCost: (method, seconds) => operating.setCost(method, seconds),
    revokeToken: (token) => void tokens.delete(token),
    events,
    setFeature: (code, value) => void events.features.set(code, value),
    addOfflineEvent: (name, data, messageId) => addOfflineEvent(events, name, data, messageId),
    async close() {
      for (const timer of timers) clearTimeout(timer)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
