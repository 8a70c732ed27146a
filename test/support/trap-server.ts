import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A server the bridge must never talk to: it counts and keeps every request it gets. */
export interface TrapServer {
  /** `http://127.0.0.2:<port>` */
  url: string
  /** `127.0.0.2:<port>` */
  host: string
  requests: { method: string; path: string; body: string }[]
  close(): Promise<void>
}

/** Listens on 127.0.0.2 (another loopback address: a different host to the bridge's guard). */
export async function startTrapServer(answer = '{}'): Promise<TrapServer> {
  const requests: TrapServer['requests'] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.2:${port}`,
    host: `127.0.0.2:${port}`,
    requests,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
