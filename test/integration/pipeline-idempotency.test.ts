import { afterEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import type { MirrorMessage } from '../../src/model.js'
import { type ExternalRef, OutputError, type OutputPlugin } from '../../src/plugins/api.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'

/**
 * A target whose first `send` creates the message but whose answer is lost (as when the bridge
 * dies between the output call and storing the ref). With `recover`, the target can be asked.
 */
function lossyTarget(withRecover: boolean) {
  const created: { key: string | undefined; text: string }[] = []
  const updates: ExternalRef[] = []
  let loseNextAnswer = true
  const plugin: OutputPlugin = {
    id: 'lossy',
    capabilities: { edit: true, delete: true },
    async send(msg: MirrorMessage) {
      created.push({ key: msg.idempotencyKey, text: msg.plainText })
      if (loseNextAnswer) {
        loseNextAnswer = false
        throw new OutputError('transient', 'connection reset after the request was sent')
      }
      return { n: created.length }
    },
    async update(ref: ExternalRef) {
      updates.push(ref)
      return ref
    },
  }
  if (withRecover) {
    plugin.recover = async (key) => {
      const index = created.findIndex((c) => c.key === key)
      return index === -1 ? undefined : { n: index + 1 }
    }
  }
  return { plugin, created, updates }
}

let bridge: Bridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

async function run(withRecover: boolean) {
  const target = lossyTarget(withRecover)
  bridge = await startBridge({
    outputs: { lossy: { type: 'console' } },
    plugins: new Map([['lossy', target.plugin]]),
  })
  bridge.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'hello' })
  await bridge.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2057 }], { ts: 1000 }))
  await bridge.drain()
  await new Promise((r) => setTimeout(r, 60)) // past the retry backoff
  await bridge.drain()
  const mirror = await bridge.app.store.getMirror(fixturePortal.memberId, 2057, 'lossy')
  return { target, mirror }
}

describe('a send whose answer was lost', () => {
  it('is recovered from the target instead of sent twice when the plugin can look it up', async () => {
    const { target, mirror } = await run(true)
    expect(target.created).toHaveLength(1)
    expect(target.updates).toEqual([{ n: 1 }])
    expect(mirror?.ref).toEqual({ n: 1 })
    const log = await bridge!.app.store.listDeliveries({ output: 'lossy' })
    expect(log.map((e) => `${e.status}:${e.action}`)).toEqual(['delivered:recover', 'failed:retry'])
  })

  it('is sent again under the same idempotency key when the plugin cannot look it up', async () => {
    const { target, mirror } = await run(false)
    expect(target.created).toHaveLength(2)
    expect(target.created[0]?.key).toMatch(/^[0-9a-f-]{36}$/)
    expect(target.created[1]?.key).toBe(target.created[0]?.key)
    expect(mirror?.ref).toEqual({ n: 2 })
  })
})
