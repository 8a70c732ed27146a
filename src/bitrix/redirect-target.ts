import { ErrorCodes } from '../errors.js'
import { BitrixError } from './errors.js'

export const redirectStatuses = new Set([301, 302, 303, 307, 308])

/** Most hops followed for one request; a renamed portal needs one. */
export const maxRedirects = 3

export interface RedirectTarget {
  /** Where to re-POST the same body. */
  url: string
  /** The new webhook base (ends in `/`), for the caller to store. */
  base: string
}

export function refuseRedirect(portal: string, method: string, why: string): BitrixError {
  return new BitrixError(
    ErrorCodes.BITRIX_REDIRECT,
    `portal ${portal} redirected ${method} ${why}; not followed — check the portal's domain and set bitrix.portals[].webhookUrl to its current address`,
    { bitrixCode: 'REDIRECT', retryable: false },
  )
}

/**
 * Validates a redirect from a portal. A renamed portal answers 302 to the new domain with the same
 * REST path (BITRIX24.md §4); we follow only that shape, so a redirect cannot send the webhook
 * code to an unrelated path, and never from https down to http.
 */
export function redirectTarget(
  location: string | null,
  currentUrl: string,
  method: string,
  portal: string,
): RedirectTarget | BitrixError {
  if (location === null || location === '') return refuseRedirect(portal, method, 'without a Location header')
  let next: URL
  try {
    next = new URL(location, currentUrl)
  } catch {
    return refuseRedirect(portal, method, 'to an invalid URL')
  }
  const current = new URL(currentUrl)
  if (next.protocol !== 'https:' && next.protocol !== 'http:') {
    return refuseRedirect(portal, method, `to a ${next.protocol} URL`)
  }
  if (current.protocol === 'https:' && next.protocol === 'http:') {
    return refuseRedirect(portal, method, `from https to plain http on ${next.host}`)
  }
  const suffix = [`/${method}`, `/${method}.json`].find((end) => next.pathname.endsWith(end))
  if (suffix === undefined || !next.pathname.includes('/rest/')) {
    return refuseRedirect(portal, method, `to ${next.host} with a path that is not a Bitrix24 REST path`)
  }
  const basePath = next.pathname.slice(0, next.pathname.length - suffix.length + 1)
  return { url: `${next.origin}${next.pathname}`, base: `${next.origin}${basePath}` }
}
