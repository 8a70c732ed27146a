import { parseEncryptionKey } from '../store/secret-box.js'
import type { CoreSettings } from './core-schema.js'
import { type ConfigProblem, problemAt } from './problems.js'
import type { AppConfig, BitrixConfig, StorageConfig } from './types.js'

/** The origin of a validated URL; an invalid one was already reported by its format check. */
function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

/**
 * The settings that depend on each other: OAuth mode is on when `bitrix.app.clientId` and
 * `clientSecret` are both set; `allowInstall` defaults to true then; offline delivery needs an app
 * (webhooks cannot subscribe to events); an encryption key must be 32 bytes.
 */
export function resolveAppSettings(
  core: CoreSettings,
  problems: ConfigProblem[],
): { bitrix: Omit<BitrixConfig, 'portals'>; storage: StorageConfig } {
  const { app: raw, ...bitrix } = core.bitrix
  const clientId = raw.clientId.trim()
  const clientSecret = raw.clientSecret.trim()
  let app: AppConfig | undefined
  if (clientId !== '' && clientSecret !== '') {
    app = {
      clientId,
      clientSecret,
      allowInstall: raw.allowInstall ?? true,
      allowedDomains: raw.allowedDomains.map((d) => d.toLowerCase()),
      oauthServer: originOf(raw.oauthServer),
    }
  } else if (clientId !== '' || clientSecret !== '') {
    const missing = clientId === '' ? 'clientId' : 'clientSecret'
    problems.push(
      problemAt(
        ['bitrix', 'app', missing],
        'is required when the other one is set (OAuth mode needs both, from the application card in Bitrix24)',
      ),
    )
  }
  if (app === undefined && bitrix.delivery !== 'online') {
    problems.push(
      problemAt(
        ['bitrix', 'delivery'],
        `"${bitrix.delivery}" needs an application: offline events are only for apps; set bitrix.app.clientId and clientSecret, or use "online"`,
      ),
    )
  }
  const { encryptionKey, ...storage } = core.storage
  const key = encryptionKey.trim()
  if (key !== '' && parseEncryptionKey(key) === undefined) {
    problems.push(
      problemAt(
        ['storage', 'encryptionKey'],
        'must be 32 bytes written as 64 hex characters or base64 (generate one with: openssl rand -base64 32)',
      ),
    )
  }
  if (storage.driver === 'postgres' && !/^postgres(ql)?:\/\/./.test((storage.url ?? '').trim())) {
    problems.push(
      problemAt(
        ['storage', 'url'],
        'is required with driver postgres: postgres://user:password@host:5432/database (e.g. ${DATABASE_URL})',
      ),
    )
  }
  return {
    bitrix: app === undefined ? bitrix : { app, ...bitrix },
    storage: key === '' ? storage : { ...storage, encryptionKey: key },
  }
}
