import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What one message received at the fake output. */
export interface MirrorTrace {
  sends: number
  updates: number
  lastText: string
  /** performance.timeOrigin-based ms of each arrival. */
  arrivals: number[]
}

export interface FakeSlack {
  url: string
  /** Per Bitrix message id. */
  messages: Map<number, MirrorTrace>
  /** Every call answered, sends and updates. */
  calls(): number
  close(): Promise<void>
}

interface Call {
  messageId: number
  text: string
  ts?: string
}

function readJson(req: IncomingMessage): Promise<Call> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call)
      } catch (err) {
        reject(err)
      }
    })
    req.on('error', reject)
  })
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/**
 * A Slack-like output on loopback: `POST /chat.postMessage` creates a mirror and returns its `ts`,
 * `POST /chat.update` edits one. It counts what each Bitrix message received and when, which is
 * how the benchmarks see deliveries and end-to-end latency (same process clock as the sender).
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const messages = new Map<number, MirrorTrace>()
  let calls = 0
  let seq = 0
  const server = createServer((req, res) => {
    readJson(req).then(
      (call) => {
        const update = req.url === '/chat.update'
        if (!update && req.url !== '/chat.postMessage') return answer(res, 404, { ok: false })
        calls += 1
        const trace = messages.get(call.messageId) ?? { sends: 0, updates: 0, lastText: '', arrivals: [] }
        if (update) trace.updates += 1
        else trace.sends += 1
        trace.lastText = call.text
        trace.arrivals.push(performance.now())
        messages.set(call.messageId, trace)
        seq += 1
        answer(res, 200, { ok: true, ts: update ? call.ts : `1714649632.${String(seq).padStart(6, '0')}` })
      },
      () => answer(res, 400, { ok: false, error: 'invalid_json' }),
    )
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    calls: () => calls,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
