import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'

/**
 * Issue 10, finding 2: a portal (any allowed host) streaming a 2 GiB `batch` reply grew the
 * process to 3.8 GB and killed it, again after every restart. Every reply is now read as a
 * stream with a byte cap (pipeline.maxReplyBytes, 16 MiB by default): over it is
 * BRG_ERR_REPLY_TOO_LARGE, not retried, so the job is dead-lettered at its first attempt, and the
 * bridge carries on. The same cap guards what an output's target sends back (context.fetch).
 */
const MiB = 1024 * 1024
let bridge: Bridge | undefined
let target: Server | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  target?.closeAllConnections()
  await new Promise((r) => (target ? target.close(r) : r(undefined)))
  target = undefined
})

function memory(): number {
  globalThis.gc?.()
  const m = process.memoryUsage()
  return m.heapUsed + m.external + m.arrayBuffers
}

const edit = (messageId: number) =>
  updateEvent(fixturePortal, [{ chatId: 1024, messageId }], { ts: messageId })

describe('finding 2: bounded replies', () => {
  it('a portal streaming a 2 GiB batch reply: read stops at the cap, the job is dead-lettered, the bridge carries on', async () => {
    bridge = await startBridge({
      outputs: { 'console.main': { type: 'console', stream: 'stderr' } },
      // Timeouts far away: only the byte cap may end the read.
      bitrix: { timeoutMs: 120_000, retries: 3 },
      pipeline: { maxAttempts: 5 },
    })
    const b = bridge
    b.portal.setMessage({ id: 2058, chatId: 1024, authorId: 7, text: 'a normal message afterwards' })
    const before = memory()
    b.portal.failNext(1, { streamBytes: 2 * 1024 * MiB })
    expect((await b.post(edit(2057))).status).toBe(200)
    await b.drain()
    const grown = memory() - before

    const dead = await b.app.store.listDead('fetch')
    expect(dead).toHaveLength(1)
    expect(dead[0]?.reason).toContain('pipeline.maxReplyBytes')
    expect(dead[0]?.attempts).toBe(0) // dead at its first attempt: no retry of a reply that cannot fit
    // The portal got to hand over the cap and what sockets buffer, not its 2 GiB.
    const streamed = b.portal.stats.streamedBytes
    process.stdout.write(
      `reply-cap: portal offered 2048 MiB, handed ${(streamed / MiB).toFixed(1)} MiB to the socket before the bridge hung up; memory after: +${(grown / MiB).toFixed(1)} MiB\n`,
    )
    expect(streamed).toBeGreaterThan(16 * MiB)
    expect(streamed).toBeLessThan(64 * MiB)
    expect(grown).toBeLessThan(64 * MiB)

    // Still alive and reading: the next edit is mirrored.
    expect((await b.post(edit(2058))).status).toBe(200)
    await b.drain()
    expect(await b.app.store.stats('fetch')).toMatchObject({ pending: 0, dead: 1 })
    expect(await b.app.store.stats('deliver')).toMatchObject({ pending: 0, dead: 0 })
  })

  it('an output target streaming a huge reply: the delivery is dead-lettered with BRG_ERR_REPLY_TOO_LARGE', async () => {
    let offered = 0
    target = createServer((req, res) => {
      req.resume()
      res.writeHead(200, { 'content-type': 'application/json' })
      const filler = Buffer.alloc(64 * 1024, 0x20)
      const pump = () => {
        while (!res.destroyed && offered < 1024 * MiB) {
          offered += filler.length
          if (!res.write(filler)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
    })
    await new Promise<void>((r) => target?.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`
    bridge = await startBridge({
      outputs: { hook: { type: 'webhook', url, timeoutMs: 120_000 } },
      pipeline: { maxAttempts: 5, maxReplyBytes: 4 * MiB },
    })
    bridge.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'hello' })
    expect((await bridge.post(edit(2057))).status).toBe(200)
    await bridge.drain()
    const dead = await bridge.app.store.listDead('deliver')
    expect(dead).toHaveLength(1)
    expect(dead[0]?.reason).toContain('pipeline.maxReplyBytes')
    expect(dead[0]?.attempts).toBe(0)
    expect(offered).toBeLessThan(64 * MiB)
  })
})
