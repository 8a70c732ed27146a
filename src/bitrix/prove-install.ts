import { isBitrixError } from './errors.js'
import type { HostGuard } from './host-guard.js'
import type { LeakyBucket } from './leaky-bucket.js'
import { realSleep } from './leaky-bucket.js'
import { restCall } from './rest-call.js'

export interface ProveInstallDeps {
  fetch: typeof fetch
  hosts: HostGuard
  timeoutMs: number
}

/** Installs are rare: no client-side bucket for the one proof call. */
const unlimited: LeakyBucket = { take: async () => {}, penalize: () => {}, level: () => 0 }

/**
 * Bitrix24 signs nothing, so an install (or a rotated application token) is proven by using the
 * access token it carries: `app.info` at the portal's REST endpoint answers only to a token the
 * portal issued to an app. Resolves false when the portal rejects it; throws when it cannot tell
 * (unreachable, 5xx) or when the endpoint is not allowed (no request is made then).
 */
export async function proveInstall(
  deps: ProveInstallDeps,
  clientEndpoint: string,
  domain: string,
  accessToken: string,
): Promise<boolean> {
  deps.hosts.check(clientEndpoint, domain, 'the install check')
  const base = clientEndpoint.endsWith('/') ? clientEndpoint : `${clientEndpoint}/`
  try {
    await restCall(
      base,
      'app.info',
      { auth: accessToken },
      {
        fetch: deps.fetch,
        limiter: unlimited,
        sleep: realSleep,
        timeoutMs: deps.timeoutMs,
        retries: 1,
        portal: domain,
      },
    )
    return true
  } catch (err) {
    if (isBitrixError(err) && !err.retryable) return false
    throw err
  }
}
