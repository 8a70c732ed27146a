import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let bridge: Bridge | undefined
let sink: WebhookSink | undefined
afterEach(async () => {
  await bridge?.close()
  await sink?.close()
})

describe('/metrics', () => {
  it('counts answers to Bitrix24, deliveries per output and outcome, and shows queue sizes', async () => {
    sink = await startWebhookSink()
    bridge = await startBridge({ outputs: { hook: { type: 'webhook', url: sink.url } } })
    bridge.portal.setMessage({ id: 1, chatId: 1024, authorId: 7, text: 'one' })
    expect(
      (await bridge.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 1 }], { ts: 1000 }))).status,
    ).toBe(200)
    expect(
      (
        await bridge.post(
          updateEvent({ ...fixturePortal, applicationToken: 'forged' }, [{ chatId: 1024, messageId: 1 }]),
        )
      ).status,
    ).toBe(401)
    expect(
      (await bridge.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2 }], { ts: 1000 }))).status,
    ).toBe(200)
    await bridge.drain() // message 2 does not exist: the read logs it as skipped

    const res = await fetch(`${bridge.adminUrl}/metrics`)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toContain('openline_bridge_events_total{status="200"} 2')
    expect(text).toContain('openline_bridge_events_total{status="401"} 1')
    expect(text).toContain('openline_bridge_deliveries_total{output="hook",status="delivered"} 1')
    expect(text).toContain('openline_bridge_deliveries_total{output="-",status="skipped"} 1')
    expect(text).toContain('openline_bridge_jobs{queue="fetch",state="pending"} 0')
    expect(text).toContain('openline_bridge_portals{status="active"} 1')
    expect(text).toContain('openline_bridge_process_resident_memory_bytes')
    expect(text).not.toContain(fixturePortal.applicationToken)
  })
})
