import * as crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'

// Every call of timingSafeEqual is recorded (and still performed) so the test can see what is compared.
vi.mock('node:crypto', async (original) => {
  const real = await original<typeof import('node:crypto')>()
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) }
})

/**
 * Issue 10, finding 11: comparing the application token must not leak its length. Both sides are
 * reduced to fixed-length digests, so every comparison is one timingSafeEqual of two 32-byte
 * buffers — whatever the length of the token an event carries (no early exit on a length check).
 */
let bridge: Bridge
beforeAll(async () => {
  bridge = await startBridge({ outputs: { 'console.main': { type: 'console', stream: 'stderr' } } })
})
afterAll(async () => {
  await bridge.close()
})

function edit(token: string) {
  return {
    event: 'ONOPENLINEMESSAGEUPDATE',
    data: { CONNECTOR: 'telegrambot', LINE: '128', DATA: [{ im: { chat_id: '1024', message_id: '2057' } }] },
    ts: String(Math.floor(Date.now() / 1000)),
    auth: {
      domain: fixturePortal.domain,
      member_id: fixturePortal.memberId,
      application_token: token,
    },
  }
}

describe('finding 11: application token comparison', () => {
  it('compares fixed-length digests for tokens of every length, right or wrong', async () => {
    const right = fixturePortal.applicationToken
    const tokens = [
      right,
      'x',
      right.slice(0, -1),
      `${right}0`,
      `${right.slice(0, -1)}0`,
      'y'.repeat(4096),
      'é'.repeat(right.length),
    ]
    const compare = vi.mocked(crypto.timingSafeEqual)
    compare.mockClear()
    const statuses: number[] = []
    for (const token of tokens) statuses.push((await bridge.post(edit(token))).status)
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401, 401])
    // One constant-time comparison per event, always of two 32-byte digests.
    expect(compare).toHaveBeenCalledTimes(tokens.length)
    const lengths = compare.mock.calls.map(([a, b]) => [a.byteLength, b.byteLength])
    expect(lengths).toEqual(tokens.map(() => [32, 32]))
  })
})
