import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeForm, updateEvent } from '../../src/demo/event-bodies.js'
import type { SqliteStore } from '../../src/store/sqlite/open-sqlite-store.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'

let bridge: Bridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

const bigEdit = (messageId: number) =>
  updateEvent(fixturePortal, [{ chatId: 1024, messageId, text: 'x'.repeat(100_000) }], {
    shape: 'server',
    ts: 1000,
  })

describe('scenario 8: the disk', () => {
  it('answers 503 while the store cannot write (full, then read-only), and 200 again once it can', async () => {
    bridge = await startBridge({ outputs: { c: { type: 'console' } } })
    const db = (bridge.app.store as SqliteStore).database
    const maxPages = db.pragma('max_page_count', { simple: true }) as number
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
    const full = await bridge.post(bigEdit(1))
    expect(full.status).toBe(503)
    expect(full.body).toMatchObject({ code: 'BRG_ERR_STORE_UNAVAILABLE' })
    expect(JSON.stringify(full.body)).not.toMatch(/SQLITE|stack/i)
    const ready = await fetch(bridge.url.replace('/bitrix/events', '/readyz'))
    expect([200, 503]).toContain(ready.status)

    db.pragma(`max_page_count = ${maxPages}`)
    expect((await bridge.post(bigEdit(2))).status).toBe(200)

    db.pragma('query_only = ON')
    const readOnly = await bridge.post(bigEdit(3))
    expect(readOnly.status).toBe(503)
    expect((await fetch(bridge.url.replace('/bitrix/events', '/readyz'))).status).toBe(503)
    db.pragma('query_only = OFF')
    expect((await bridge.post(bigEdit(4))).status).toBe(200)

    const stats = await bridge.app.store.stats('fetch')
    expect(stats.pending).toBe(2)
    process.stdout.write(
      `disk: full → 503, read-only → 503, recovered → 200; stored ${stats.pending} of 4 (the 2 answered 200)\n`,
    )
  })
})

describe('scenario 7: slow and abusive clients', () => {
  it('keeps answering other senders while hundreds of connections dribble or idle', async () => {
    bridge = await startBridge({ outputs: { c: { type: 'console' } } })
    const { hostname, port } = new URL(bridge.url)
    const sockets: Socket[] = []
    const body = encodeForm(bigEdit(1))
    for (let i = 0; i < 300; i++) {
      // Spread over ten source addresses: one address alone is capped at server.maxConnectionsPerIp.
      const s = connect({ port: Number(port), host: hostname, localAddress: `127.0.0.${10 + (i % 10)}` })
      s.on('error', () => {})
      sockets.push(s)
      if (i % 3 === 0) {
        // slowloris: headers never finished
        s.write(
          `POST /bitrix/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n`,
        )
      } else if (i % 3 === 1) {
        // a body announced in full but sent only in part
        s.write(
          `POST /bitrix/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 100)}`,
        )
      }
      // else: idle, connected and silent
    }
    await new Promise((r) => setTimeout(r, 200))
    try {
      const started = Date.now()
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          bridge!.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 100 + i }], { ts: 1000 })),
        ),
      )
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200))
      process.stdout.write(
        `clients: 300 slow/idle connections open; 20 normal posts answered 200 in ${Date.now() - started} ms\n`,
      )
      // Server-side timeouts are what eventually frees those sockets.
      const server = bridge.app.server.server
      expect(server.requestTimeout).toBeGreaterThan(0)
      expect(server.headersTimeout).toBeGreaterThan(0)
      expect(server.keepAliveTimeout).toBeGreaterThan(0)
    } finally {
      for (const s of sockets) s.destroy()
    }
  })

  it('refuses a body over the limit from its Content-Length, before reading or parsing it', async () => {
    bridge = await startBridge({ outputs: { c: { type: 'console' } } })
    const { hostname, port } = new URL(bridge.url)
    const answer = await new Promise<string>((resolve) => {
      const s = connect(Number(port), hostname)
      let data = ''
      s.on('data', (d) => {
        data += d.toString()
        if (data.includes('\r\n\r\n')) {
          resolve(data)
          s.destroy()
        }
      })
      // Announce 50 MB, send none of it: only an answer from the headers can come back.
      s.write(
        'POST /bitrix/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 52428800\r\n\r\n',
      )
    })
    expect(answer).toMatch(/^HTTP\/1.1 413/)
  })
})
