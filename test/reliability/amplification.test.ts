import { afterEach, describe, expect, it } from 'vitest'
import { encodeForm, updateEvent } from '../../src/demo/event-bodies.js'
import { captureLog } from '../support/capture-log.js'
import { type PortalsBridge, startPortalsBridge } from '../support/portals-bridge.js'

let bridge: PortalsBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

describe('scenario 12: log and answer amplification', () => {
  it('answers a 250 kB member_id with a small 401 and a small log line, and 400 of them with a bounded number of lines', async () => {
    const log = captureLog('debug')
    bridge = await startPortalsBridge({ names: ['real'], logger: log.logger })
    const b = bridge
    const huge = 'm'.repeat(250_000)
    const body = encodeForm(
      updateEvent({ memberId: huge, domain: `${'d'.repeat(1000)}.bitrix24.com`, applicationToken: 'guess' }, [
        { chatId: 1024, messageId: 1 },
      ]),
    )
    expect(body.length).toBeGreaterThan(250_000)
    const post = () =>
      fetch(b.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }).then(async (res) => ({ status: res.status, text: await res.text() }))

    const first = await post()
    expect(first.status).toBe(401)
    expect(first.text.length).toBeLessThan(1024)
    // The answer echoes no event-supplied string at all (it names no portal: issue 10 finding 1).
    expect(first.text).not.toContain('m'.repeat(65))
    expect(first.text).not.toContain('d'.repeat(65))
    expect(log.lines.length).toBeGreaterThan(0)
    expect(log.bytes()).toBeLessThan(2048)

    const started = Date.now()
    let next = 0
    const statuses: number[] = []
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 400) {
          next++
          statuses.push((await post()).status)
        }
      }),
    )
    const elapsed = Date.now() - started
    expect(statuses).toEqual(Array(400).fill(401))
    const rejectedLines = log.lines.filter((l) => /event (rejected|refused)/.test(String(l.msg)))
    // At most a line and a summary per 10 s interval for each of the two rejection logs.
    const bound = 2 * (2 + Math.ceil(elapsed / 10_000))
    expect(rejectedLines.length).toBeLessThanOrEqual(bound)
    expect(Math.max(...log.lines.map((l) => JSON.stringify(l).length))).toBeLessThan(2048)
    const metric = await b.app.metrics.registry.getSingleMetricAsString(
      'openline_bridge_events_rejected_total',
    )
    expect(metric).toContain('code="BRG_ERR_AUTH_TOKEN_MISMATCH"} 401')
    process.stdout.write(
      `amplification: 401 requests with a 250 kB member_id: answers ${first.text.length} bytes each; ` +
        `${log.lines.length} log lines, ${log.bytes()} bytes in all (${rejectedLines.length} rejection lines) in ${elapsed} ms\n`,
    )
  })
})
