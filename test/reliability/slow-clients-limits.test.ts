import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeForm, updateEvent } from '../../src/demo/event-bodies.js'
import { type PortalsBridge, startPortalsBridge } from '../support/portals-bridge.js'

let bridge: PortalsBridge | undefined
const sockets: Socket[] = []
const timers: NodeJS.Timeout[] = []
afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t)
  for (const s of sockets.splice(0)) s.destroy()
  await bridge?.close()
  bridge = undefined
})

function open(url: string, localAddress = '127.0.0.1'): Promise<Socket> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const s = connect({ port: Number(port), host: hostname, localAddress }, () => resolve(s))
    s.on('error', () => {})
    s.once('error', reject)
    sockets.push(s)
  })
}

/** Resolves with how long the socket lived once the server closes it, or 'open' after `boundMs`. */
function lifetime(s: Socket, since: number, boundMs: number): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), boundMs)
    s.once('close', () => {
      clearTimeout(timer)
      resolve(Date.now() - since)
    })
  })
}

/** Writes `chunk` every `everyMs` until the socket closes (a slowloris keeps the idle timer fed). */
function drip(s: Socket, chunk: string, everyMs: number): void {
  const timer = setInterval(() => {
    if (!s.destroyed) s.write(chunk)
  }, everyMs)
  timers.push(timer)
  s.once('close', () => clearInterval(timer))
}

describe('scenario 13: slow clients meet the configured deadlines and a per-address cap', () => {
  it('cuts a client dripping its headers at headersTimeoutMs and one dripping its body at requestTimeoutMs', async () => {
    bridge = await startPortalsBridge({
      names: ['p'],
      server: { headersTimeoutMs: 2000, requestTimeoutMs: 4000 },
    })
    const started = Date.now()
    const headers = await open(bridge.url)
    headers.write('POST /bitrix/events HTTP/1.1\r\nHost: x\r\n')
    drip(headers, 'X-Drip: 1\r\n', 500)
    const body = await open(bridge.url)
    body.write(
      'POST /bitrix/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n',
    )
    drip(body, 'a', 500)
    // Generous bounds that only a missing deadline fails: before the fix both lived about 90 s.
    const [headersLived, bodyLived] = await Promise.all([
      lifetime(headers, started, 30_000),
      lifetime(body, started, 30_000),
    ])
    expect(headersLived).not.toBe('open')
    expect(bodyLived).not.toBe('open')
    // The bridge still answers afterwards.
    expect((await bridge.edit('p', 1)).status).toBe(200)
    process.stdout.write(
      `slow clients: header dripper cut after ${headersLived} ms (headersTimeoutMs 2000), ` +
        `body dripper after ${bodyLived} ms (requestTimeoutMs 4000); a byte every 500 ms kept neither alive\n`,
    )
  })

  it('refuses connections over maxConnectionsPerIp from one address while another address posts normally', async () => {
    bridge = await startPortalsBridge({
      names: ['p'],
      // Deadlines long enough that only the cap can close the idle connections in this test.
      server: {
        maxConnectionsPerIp: 5,
        headersTimeoutMs: 60_000,
        requestTimeoutMs: 60_000,
        trustProxy: ['127.0.0.4'],
      },
    })
    const b = bridge
    const held = await Promise.all(Array.from({ length: 5 }, () => open(b.url, '127.0.0.2')))
    const started = Date.now()
    const extra = await open(b.url, '127.0.0.2')
    const extraLived = await lifetime(extra, started, 15_000)
    expect(extraLived).not.toBe('open')
    expect(held.every((s) => !s.destroyed)).toBe(true)

    // Another address is not affected: a normal post from 127.0.0.3 gets its 200.
    const status = await new Promise<number>((resolve, reject) => {
      const { hostname, port, pathname } = new URL(b.url)
      const p = b.portals.p
      if (p === undefined) throw new Error('no portal')
      const req = request(
        {
          host: hostname,
          port: Number(port),
          path: pathname,
          method: 'POST',
          localAddress: '127.0.0.3',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end(encodeForm(updateEvent(p, [{ chatId: 1024, messageId: 7 }], { ts: 1000 })))
    })
    expect(status).toBe(200)

    // A trusted proxy carries many clients: its connections are not capped.
    const proxied = await Promise.all(Array.from({ length: 8 }, () => open(b.url, '127.0.0.4')))
    await new Promise((r) => setTimeout(r, 500))
    expect(proxied.every((s) => !s.destroyed)).toBe(true)
    // Closing one of the five frees a slot for that address.
    held[0]?.destroy()
    await new Promise((r) => setTimeout(r, 200))
    const again = await open(b.url, '127.0.0.2')
    await new Promise((r) => setTimeout(r, 500))
    expect(again.destroyed).toBe(false)
    process.stdout.write(
      `connection cap: 5 open from 127.0.0.2, the 6th closed by the bridge after ${extraLived} ms; ` +
        'a post from 127.0.0.3 answered 200; 8 connections from a trusted proxy kept\n',
    )
  })
})
