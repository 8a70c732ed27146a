import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { createLogger } from '../../src/observability/logger.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let bridge: Bridge | undefined
let sink: WebhookSink | undefined
afterEach(async () => {
  await bridge?.close()
  await sink?.close()
})

describe('log.level debug', () => {
  it('shows every REST read (method, portal, message ids, duration) and every skipped delivery', async () => {
    const lines: Array<Record<string, unknown>> = []
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
        done()
      },
    })
    sink = await startWebhookSink()
    bridge = await startBridge({
      outputs: { hook: { type: 'webhook', url: sink.url } },
      logger: createLogger({ level: 'debug', destination }),
    })
    bridge.portal.setMessage({ id: 7, chatId: 1024, authorId: 7, text: 'one' })
    await bridge.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 7 }], { ts: 1000 }))
    await bridge.drain()
    // The same text again: read, then skipped as unchanged.
    await bridge.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 7 }], { ts: 1001 }))
    await bridge.drain()
    const reads = lines.filter((l) => l.msg === 'read messages from Bitrix24')
    expect(reads).toHaveLength(2)
    expect(reads[0]).toMatchObject({ portal: fixturePortal.memberId, messageIds: [7], statuses: ['ok'] })
    expect(reads[0]?.method).toContain('batch')
    expect(typeof reads[0]?.ms).toBe('number')
    const skipped = lines.filter((l) => String(l.msg).startsWith('delivery skipped'))
    expect(skipped).toHaveLength(1)
    expect(skipped[0]).toMatchObject({ output: 'hook', messageId: 7, version: 1001 })
    expect(skipped[0]?.msg).toContain('text unchanged')
  })
})
