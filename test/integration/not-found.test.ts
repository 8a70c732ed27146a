import { afterEach, describe, expect, it } from 'vitest'
import { type Bridge, startBridge } from '../support/bridge-harness.js'

let bridge: Bridge | undefined
afterEach(async () => {
  await bridge?.close()
})

describe('unknown paths', () => {
  it('answer 404 in the {error, code} shape every refusal has, without echoing the path', async () => {
    bridge = await startBridge({ outputs: { c: { type: 'console' } } })
    const res = await bridge.app.server.inject({ method: 'GET', url: `/${'x'.repeat(5000)}` })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({
      error: 'no such path on this server; Bitrix24 events are posted to /bitrix/events',
      code: 'BRG_ERR_NOT_FOUND',
    })
  })
})
