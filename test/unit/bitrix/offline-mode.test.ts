import { describe, expect, it } from 'vitest'
import { checkOfflineMode } from '../../../src/bitrix/offline-mode.js'
import type { BitrixClient } from '../../../src/bitrix/types.js'
import { restFixture } from './fixture.js'

const portal = { id: 'm', domain: 'p.bitrix24.com' }
const answering = (result: unknown): BitrixClient => ({
  readMessages: async () => [],
  call: async (_portal, method, params) => {
    expect(method).toBe('feature.get')
    expect(params).toEqual({ CODE: 'rest_offline_extended' })
    return result
  },
})

describe('checkOfflineMode (feature.get rest_offline_extended)', () => {
  it('is basic when the plan says N (the docs reply shape)', async () => {
    const reply = restFixture('feature.get.rest-offline-extended.n.json')
    expect(await checkOfflineMode(answering(reply.result), portal)).toEqual({
      mode: 'basic',
      why: 'feature.get rest_offline_extended = N',
    })
  })

  it('is extended only for Y', async () => {
    expect((await checkOfflineMode(answering({ value: 'Y' }), portal)).mode).toBe('extended')
  })

  it('falls back to basic, with the reason, when the check itself fails', async () => {
    const failing: BitrixClient = {
      readMessages: async () => [],
      call: async () => {
        throw new Error('ERROR_METHOD_NOT_FOUND')
      },
    }
    const { mode, why } = await checkOfflineMode(failing, portal)
    expect(mode).toBe('basic')
    expect(why).toContain('feature.get failed')
  })
})
