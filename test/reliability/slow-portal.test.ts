import { afterEach, describe, expect, it } from 'vitest'
import { eventually } from '../support/bridge-harness.js'
import { type PortalsBridge, startPortalsBridge } from '../support/portals-bridge.js'

let bridge: PortalsBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

describe('scenario 11: a portal that never answers', () => {
  it("mirrors a healthy portal's edits while another portal's batch call hangs", async () => {
    bridge = await startPortalsBridge({
      names: ['stuck', 'healthy'],
      // The hang must outlast the whole test: only per-portal reads can get the healthy edits through.
      bitrix: { timeoutMs: 120_000, retries: 0 },
    })
    const { stuck, healthy } = bridge.portals
    if (stuck === undefined || healthy === undefined) throw new Error('portals missing')
    stuck.fake.failFor(600_000, { delayMs: 600_000 })
    stuck.fake.setMessage({ id: 1, chatId: 1024, authorId: 7, text: 'never read' })
    for (let id = 1; id <= 10; id++) {
      healthy.fake.setMessage({ id, chatId: 1024, authorId: 7, text: `healthy ${id}` })
    }

    expect((await bridge.edit('stuck', 1)).status).toBe(200)
    await eventually(() => stuck.fake.requests.some((r) => r.method === 'batch'), 'the stuck portal is read')
    const started = Date.now()
    for (let id = 1; id <= 10; id++) expect((await bridge.edit('healthy', id)).status).toBe(200)

    // A generous bound that only a hang fails: before the fix every read waited for the stuck one.
    const mirrored = await bridge.sink.waitFor(10, 30_000)
    const elapsed = Date.now() - started
    expect(new Set(mirrored.map((r) => r.body.messageId))).toEqual(
      new Set(Array.from({ length: 10 }, (_, i) => i + 1)),
    )
    expect(mirrored.every((r) => r.body.portal === healthy.memberId)).toBe(true)
    // The stuck portal's read is still hanging: nothing of it was mirrored.
    expect(stuck.fake.requests.filter((r) => r.method === 'batch').every((r) => r.status === 0)).toBe(true)
    process.stdout.write(
      `slow portal: one portal's batch hangs; the other portal's 10 edits mirrored in ${elapsed} ms\n`,
    )
  })
})
