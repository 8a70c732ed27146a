// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config documents use ${VAR} syntax
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../../src/config/validate-config.js'
import { BridgeError } from '../../../src/errors.js'
import { knownOutputTypes, resolvePluginSchema } from './plugin-schemas.js'

const outputs = { 'console.main': { type: 'console' } }
const validate = (doc: Record<string, unknown>, env: Record<string, string> = {}) =>
  validateConfig({ outputs, ...doc }, env, resolvePluginSchema, { knownOutputTypes })

async function problems(doc: Record<string, unknown>): Promise<string[]> {
  const err = await validate(doc).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(BridgeError)
  return ((err as BridgeError).details as { path: string; message: string }[]).map(
    (p) => `${p.path}: ${p.message}`,
  )
}

describe('OAuth mode settings', () => {
  it('is off without bitrix.app, on with clientId and clientSecret (installs allowed by default)', async () => {
    expect((await validate({})).bitrix.app).toBeUndefined()
    const config = await validate(
      {
        bitrix: { app: { clientId: '${B24_CLIENT_ID}', clientSecret: '${B24_CLIENT_SECRET}' } },
      },
      { B24_CLIENT_ID: 'local.1', B24_CLIENT_SECRET: 's' },
    )
    expect(config.bitrix.app).toEqual({
      clientId: 'local.1',
      clientSecret: 's',
      allowInstall: true,
      allowedDomains: [],
      oauthServer: 'https://oauth.bitrix.info',
    })
  })

  it('takes the OAuth server as an origin and refuses one with a path', async () => {
    const app = { clientId: 'local.1', clientSecret: 's' }
    const config = await validate({ bitrix: { app: { ...app, oauthServer: 'http://127.0.0.1:9000' } } })
    expect(config.bitrix.app?.oauthServer).toBe('http://127.0.0.1:9000')
    const found = await problems({
      bitrix: { app: { ...app, oauthServer: 'https://oauth.bitrix.info/rest/' } },
    })
    expect(found).toEqual([expect.stringContaining('bitrix.app.oauthServer: must be an http(s) origin')])
  })

  it('reads allowInstall from the environment, empty meaning the default', async () => {
    const doc = { bitrix: { app: { clientId: 'a', clientSecret: 'b', allowInstall: '${ALLOW:-}' } } }
    expect((await validate(doc)).bitrix.app?.allowInstall).toBe(true)
    expect((await validate(doc, { ALLOW: 'false' })).bitrix.app?.allowInstall).toBe(false)
  })

  it('reports half an app, offline delivery without an app, a bad key and bad host patterns together', async () => {
    expect(
      await problems({
        bitrix: { app: { clientId: 'a' }, delivery: 'offline', allowedHosts: ['https://x.com/'] },
        storage: { encryptionKey: 'short' },
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bitrix\.app\.clientSecret: is required/),
        expect.stringMatching(/^bitrix\.delivery: "offline" needs an application/),
        expect.stringMatching(/^storage\.encryptionKey: must be 32 bytes/),
        expect.stringMatching(/^bitrix\.allowedHosts: must be a list of host names/),
      ]),
    )
  })

  it('keeps a valid encryption key and replaces the allowed hosts when given', async () => {
    const key = 'ab'.repeat(32)
    const config = await validate({
      storage: { encryptionKey: key },
      bitrix: { allowedHosts: ['portal.example.org', '*.example.net', '127.0.0.1:8081'] },
    })
    expect(config.storage.encryptionKey).toBe(key)
    expect(config.bitrix.allowedHosts).toEqual(['portal.example.org', '*.example.net', '127.0.0.1:8081'])
  })
})
