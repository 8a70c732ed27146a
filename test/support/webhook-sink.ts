import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SinkRequest {
  at: number
  headers: IncomingMessage['headers']
  body: Record<string, unknown>
  raw: string
}

export interface WebhookSink {
  url: string
  /** Requests answered 200 (the deliveries that landed). */
  requests: SinkRequest[]
  /** Every request with the status it was answered with, failures included. */
  attempts: { at: number; status: number }[]
  /** Answer the next `n` requests with this status (and optional headers). */
  failNext(n: number, status: number, headers?: Record<string, string>): void
  /** Answer every request with this status until cleared with `failAlways(undefined)`. */
  failAlways(status: number | undefined): void
  /** Resolves when at least `n` successful requests were recorded. */
  waitFor(n: number, timeoutMs?: number): Promise<SinkRequest[]>
  close(): Promise<void>
}

/** A real HTTP receiver on loopback standing in for a user's webhook endpoint. */
export async function startWebhookSink(): Promise<WebhookSink> {
  const requests: SinkRequest[] = []
  const attempts: { at: number; status: number }[] = []
  let failures: { status: number; headers: Record<string, string> }[] = []
  let always: number | undefined
  const waiters: { n: number; resolve: () => void }[] = []

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const failure = always !== undefined ? { status: always, headers: {} } : failures.shift()
      attempts.push({ at: Date.now(), status: failure?.status ?? 200 })
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers })
        res.end(JSON.stringify({ error: 'failing on purpose' }))
        return
      }
      const raw = Buffer.concat(chunks).toString('utf8')
      requests.push({
        at: Date.now(),
        headers: req.headers,
        body: JSON.parse(raw) as Record<string, unknown>,
        raw,
      })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{}')
      for (const w of [...waiters]) {
        if (requests.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve()
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    attempts,
    failNext(n, status, headers = {}) {
      failures = Array.from({ length: n }, () => ({ status, headers }))
    },
    failAlways(status) {
      always = status
    },
    waitFor(n, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve(requests)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`webhook sink: expected ${n} requests, got ${requests.length}`)),
          timeoutMs,
        )
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer)
            resolve(requests)
          },
        })
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
