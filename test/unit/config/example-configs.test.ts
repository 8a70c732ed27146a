import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load-config.js'
import { knownOutputTypes, resolvePluginSchema } from './plugin-schemas.js'

const root = join(import.meta.dirname, '../../..')

function load(path: string, env: Record<string, string | undefined> = {}) {
  return loadConfig({ path, env, cwd: root, resolvePluginSchema, knownOutputTypes })
}

describe('shipped configs', () => {
  it('config/bridge.example.yaml validates with no environment set, mirroring to the console', async () => {
    const { config } = await load('config/bridge.example.yaml')
    expect(config.outputs).toEqual({
      'console.main': { type: 'console', optional: false, options: { format: 'text' } },
    })
    expect(config.routes).toEqual([{ match: {}, to: ['console.main'] }])
    expect(config.server.port).toBe(8080)
    expect(config.bitrix.portals).toHaveLength(1)
  })

  it('config/bridge.example.yaml takes its secrets and settings from the environment', async () => {
    const { config } = await load('config/bridge.example.yaml', {
      BRIDGE_PORT: '9000',
      B24_DOMAIN: 'acme.bitrix24.com',
      B24_MEMBER_ID: 'abc123',
      B24_APP_TOKEN: 'real-token',
      B24_WEBHOOK_URL: 'https://acme.bitrix24.com/rest/7/secret',
      LOG_LEVEL: 'debug',
    })
    expect(config.server.port).toBe(9000)
    expect(config.log.level).toBe('debug')
    expect(config.bitrix.portals).toEqual([
      {
        domain: 'acme.bitrix24.com',
        memberId: 'abc123',
        applicationToken: 'real-token',
        webhookUrl: 'https://acme.bitrix24.com/rest/7/secret/',
      },
    ])
  })

  it('config/demo.yaml validates, and the demo can point it at its fake portal', async () => {
    const plain = await load('config/demo.yaml')
    expect(plain.config.bitrix.portals).toEqual([
      {
        domain: 'demo.bitrix24.test',
        memberId: 'demo-member',
        applicationToken: 'demo-app-token',
        webhookUrl: 'http://127.0.0.1:1/rest/1/demo/',
      },
    ])
    expect(plain.config.storage.path).toBe('./data/demo.db')
    expect(Object.keys(plain.config.outputs)).toEqual(['console.main'])

    const demo = await load('config/demo.yaml', { DEMO_WEBHOOK_URL: 'http://127.0.0.1:40000/rest/1/demo' })
    expect(demo.config.bitrix.portals[0]?.webhookUrl).toBe('http://127.0.0.1:40000/rest/1/demo/')
  })
})
