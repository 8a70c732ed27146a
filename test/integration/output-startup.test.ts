import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { ErrorCodes } from '../../src/errors.js'
import { type Bridge, eventually, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { FakeTelegram } from '../support/fake-telegram.js'

const TOKEN = '123456:TEST-token'
const CHAT = '-1001234567890'
const fast = { perChatPerSecond: 100, perGroupPerMinute: 1000, perBotPerSecond: 100 }

let bridge: Bridge | undefined
let telegram: FakeTelegram | undefined

afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await telegram?.close()
  telegram = undefined
})

/** A loopback port nobody listens on (yet): connecting is refused. */
async function refusingPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

const telegramOutput = (apiRoot: string, token = TOKEN) => ({
  'telegram.ops': { type: 'telegram', token, chatId: CHAT, apiRoot, limits: fast, timeoutMs: 5000 },
})

async function readyz(b: Bridge): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await b.app.admin.inject({ method: 'GET', url: '/readyz' })
  return { status: res.statusCode, body: res.json() as Record<string, unknown> }
}

describe('start-up with a required output that is not reachable yet', () => {
  it('the status console shows the output as starting, with the error and the next try', async () => {
    const port = await refusingPort()
    bridge = await startBridge({
      outputs: telegramOutput(`http://127.0.0.1:${port}`),
      startWorkers: true,
      server: { admin: { token: 'console-token-0123456789abcdef' } },
      pipeline: { backoffBaseMs: 60_000, backoffMaxMs: 60_000 },
    })
    const b = bridge
    const login = await b.app.admin.inject({
      method: 'POST',
      url: '/login',
      payload: { token: 'console-token-0123456789abcdef' },
    })
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? ''
    const overview = await b.app.admin.inject({ method: 'GET', url: '/', headers: { cookie } })
    const row =
      /<tr>\s*<td><a href="\/deliveries\?output=telegram\.ops">[\s\S]*?<\/tr>/.exec(overview.body)?.[0] ?? ''
    expect(row).toContain('<span class="status warn">starting</span>')
    expect(row).toMatch(/next try \d{4}-/)
    expect(row).toMatch(/ECONNREFUSED|refused/)
  })

  it('starts anyway: the output is starting, its deliveries wait, start() is retried until it comes up', async () => {
    const port = await refusingPort()
    bridge = await startBridge({
      outputs: telegramOutput(`http://127.0.0.1:${port}`),
      startWorkers: true,
      pipeline: { backoffBaseMs: 50, backoffMaxMs: 300, maxAttempts: 2 },
    })
    const b = bridge
    const before = await readyz(b)
    expect(before.status).toBe(200)
    expect(before.body.outputs).toMatchObject({
      notReady: [
        {
          output: 'telegram.ops',
          status: 'starting',
          error: expect.stringMatching(/ECONNREFUSED|refused/),
        },
      ],
    })

    b.portal.setMessage({ id: 1, chatId: 1024, authorId: 7, text: 'hello [b]1[/b]' })
    expect(
      (await b.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 1 }], { ts: 1000 }))).status,
    ).toBe(200)
    await eventually(async () => (await b.app.store.stats('deliver')).pending === 1, 'the delivery queued')
    // Far more than maxAttempts backoffs later, the delivery still waits: not tried, not dead-lettered.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await b.app.store.stats('deliver')).toEqual({ pending: 1, leased: 0, dead: 0 })
    expect(await b.app.store.listDeliveries({ output: 'telegram.ops' })).toEqual([])

    telegram = await FakeTelegram.start(TOKEN, port)
    // `>= 1`: with threads the chat's header goes first, and both may arrive between two polls.
    await eventually(() => telegram!.messages(CHAT).length >= 1, 'the waiting delivery sent', 30_000)
    expect(telegram.calls[0]!.method).toBe('getMe')
    expect(((await readyz(b)).body.outputs as { notReady: unknown[] }).notReady).toEqual([])
    // The job completes just after Telegram has the message.
    await eventually(async () => {
      const stats = await b.app.store.stats('deliver')
      return stats.pending === 0 && stats.leased === 0 && stats.dead === 0
    }, 'the delivery completed, nothing dead-lettered')
  })

  it('still refuses to start when a required output definitely refuses (bad token)', async () => {
    telegram = await FakeTelegram.start(TOKEN)
    const err = await startBridge({
      outputs: telegramOutput(telegram.apiRoot, '123456:wrong'),
      startWorkers: true,
    }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string },
    )
    expect(err?.code).toBe(ErrorCodes.OUTPUT_START)
    expect(err?.message).toContain('Telegram rejected the bot token for output telegram.ops')
  })
})
