import { createBitrixClient } from '../bitrix/create-client.js'
import { createHostGuard } from '../bitrix/host-guard.js'
import { createOAuthTokens } from '../bitrix/oauth-tokens.js'
import { loadPortalRegistry, type PortalRegistry } from '../bitrix/portal-registry.js'
import type { BitrixClient, PortalRecord } from '../bitrix/types.js'
import type { BridgeConfig } from '../config/types.js'
import { BridgeError, ErrorCodes } from '../errors.js'
import { withConnectTimeout } from '../http/connect-timeout.js'
import { openStore } from '../store/index.js'
import type { Store } from '../store/store.js'

export interface PortalContext {
  config: BridgeConfig
  store: Store
  registry: PortalRegistry
  client: BitrixClient
  close(): Promise<void>
}

export interface ContextDeps {
  fetch?: typeof fetch
  cwd?: string
}

/** The store, the portals and a REST client as the running bridge has them, for one-shot commands. */
export async function openPortalContext(
  config: BridgeConfig,
  deps: ContextDeps = {},
): Promise<PortalContext> {
  const http = withConnectTimeout(deps.fetch ?? globalThis.fetch, config.bitrix.connectTimeoutMs)
  const fetchImpl = http.fetch
  const store = openStore(config.storage, deps.cwd === undefined ? {} : { cwd: deps.cwd })
  try {
    const registry = await loadPortalRegistry(config.bitrix.portals, store)
    const hosts = createHostGuard(config.bitrix.allowedHosts)
    const app = config.bitrix.app
    const client = createBitrixClient({
      rateLimit: config.bitrix.rateLimit,
      timeoutMs: config.bitrix.timeoutMs,
      retries: config.bitrix.retries,
      maxReplyBytes: config.pipeline.maxReplyBytes,
      hosts,
      fetch: fetchImpl,
      ...(app === undefined
        ? {}
        : {
            oauth: {
              hosts,
              tokens: createOAuthTokens({
                registry,
                app,
                fetch: fetchImpl,
                timeoutMs: config.bitrix.timeoutMs,
                maxReplyBytes: config.pipeline.maxReplyBytes,
              }),
            },
          }),
    })
    const close = async () => {
      await http.close()
      await store.close()
    }
    return { config, store, registry, client, close }
  } catch (err) {
    await http.close()
    await store.close()
    throw err
  }
}

/** A portal by member id or domain; the error lists the ones the bridge knows. */
export function findPortal(registry: PortalRegistry, key: string): PortalRecord {
  const wanted = key.toLowerCase()
  const found = registry.get(key) ?? registry.list().find((p) => p.domain === wanted || p.memberId === key)
  if (found !== undefined) return found
  const known = registry
    .list()
    .map((p) => (p.memberId === undefined ? p.domain : `${p.domain} (${p.memberId})`))
  throw new BridgeError(
    ErrorCodes.PORTAL_NOT_FOUND,
    `no portal ${key}: ${known.length === 0 ? 'none is installed or configured yet — install the app on the portal first' : `known: ${known.join(', ')}`}`,
    { kind: 'config' },
  )
}
