import { ErrorCodes } from '../errors.js'
import { BitrixError } from './errors.js'

/**
 * The SSRF guard (BITRIX24.md §2): the bridge sends requests, and tokens, only to a stored portal's
 * own domain and to hosts in `bitrix.allowedHosts`. A URL an event carries is never trusted by
 * itself. Patterns: `*.bitrix24.com` (any subdomain), `oauth.bitrix.info` (that host), both on the
 * default port over https only; `127.0.0.1:8081` (that host and port, http allowed: for gateways
 * and tests).
 */
export interface HostGuard {
  /** The URL's host matches `bitrix.allowedHosts`. */
  allowsHost(url: string): boolean
  /** The URL's host is the portal's domain, or matches `bitrix.allowedHosts`. */
  allowsFor(url: string, portalDomain: string): boolean
  /** Like allowsFor, but throws BRG_ERR_BITRIX_HOST_NOT_ALLOWED (before any request is made). */
  check(url: string, portalDomain: string | undefined, what: string): void
}

interface Pattern {
  host: string
  wildcard: boolean
  withPort: boolean
}

function parse(url: string): URL | undefined {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined
  } catch {
    return undefined
  }
}

export function createHostGuard(allowedHosts: readonly string[]): HostGuard {
  const patterns: Pattern[] = allowedHosts.map((entry) => {
    const lower = entry.toLowerCase()
    const wildcard = lower.startsWith('*.')
    return { host: wildcard ? lower.slice(1) : lower, wildcard, withPort: /:\d+$/.test(lower) }
  })

  function matches(url: URL): boolean {
    const host = url.host.toLowerCase()
    for (const p of patterns) {
      if (p.withPort) {
        if (host === p.host) return true
        continue
      }
      // Without a port only https on its default port: tokens never travel in clear text.
      if (url.protocol !== 'https:' || url.port !== '') continue
      if (p.wildcard ? host.endsWith(p.host) && host.length > p.host.length : host === p.host) return true
    }
    return false
  }

  function allowsFor(url: string, portalDomain: string): boolean {
    const parsed = parse(url)
    if (parsed === undefined) return false
    return parsed.host.toLowerCase() === portalDomain.toLowerCase() || matches(parsed)
  }

  return {
    allowsHost(url) {
      const parsed = parse(url)
      return parsed !== undefined && matches(parsed)
    },
    allowsFor,
    check(url, portalDomain, what) {
      const ok = portalDomain === undefined ? this.allowsHost(url) : allowsFor(url, portalDomain)
      if (ok) return
      const host = parse(url)?.host ?? 'an invalid URL'
      throw new BitrixError(
        ErrorCodes.BITRIX_HOST_NOT_ALLOWED,
        `refused to send ${what} to ${host}: it is not ${portalDomain === undefined ? 'an allowed host' : `the portal's domain ${portalDomain} or an allowed host`}; add it to bitrix.allowedHosts if it is a genuine Bitrix24 host`,
        { bitrixCode: 'HOST_NOT_ALLOWED', retryable: false },
      )
    },
  }
}
