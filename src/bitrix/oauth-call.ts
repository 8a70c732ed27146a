import { ErrorCodes } from '../errors.js'
import { BitrixError, isBitrixError } from './errors.js'
import type { HostGuard } from './host-guard.js'
import { needsReinstall, type OAuthTokens } from './oauth-tokens.js'
import type { RestCallOptions, restCall } from './rest-call.js'
import type { PortalRecord } from './types.js'

export interface OAuthCallDeps {
  tokens: OAuthTokens
  hosts: HostGuard
  movedBase(portal: PortalRecord, configured: string): string | undefined
  restOptions(portal: PortalRecord, from: string): RestCallOptions
  restCall: typeof restCall
}

export type OAuthCall = (
  portal: PortalRecord,
  method: string,
  params: Record<string, unknown>,
  userToken?: string,
) => Promise<unknown>

/**
 * Codes meaning "these credentials are not (or no longer) valid for this app on this portal".
 * `invalid_token` is not one: like the official JS SDK (b24jssdk abstract-http `_isAuthError`), the
 * bridge refreshes once and retries once, and only a refused refresh means re-install.
 * `INVALID_CREDENTIALS` (403) is the calling user's missing rights: that job's error, not the portal's.
 */
const rejected = new Set(['NO_AUTH_FOUND'])
/** Answers that a refresh may cure (HTTP 401 `expired_token` or `invalid_token`). */
const refreshable = new Set(['expired_token', 'invalid_token'])

/**
 * `POST <client_endpoint><method>` with `auth=<access token>` (BITRIX24.md §4). With the app's
 * token: on `expired_token` refresh once (single flight) and retry; on NO_AUTH_FOUND the portal is
 * marked `needs-reinstall`. A user's token is used as is (it cannot be refreshed).
 */
export function createOAuthCall(deps: OAuthCallDeps): OAuthCall {
  return async (portal, method, params, userToken) => {
    const endpoint = portal.clientEndpoint
    if (endpoint === undefined)
      throw needsReinstall(portal.domain, 'no client endpoint was stored at install')
    const redirected = deps.movedBase(portal, endpoint)
    // A base learned from the portal's own 302 passed the guard when it was followed; anything
    // else must pass it now.
    if (redirected === undefined) deps.hosts.check(endpoint, portal.domain, `a REST call (${method})`)
    const base = redirected ?? endpoint
    const send = (token: string) =>
      deps.restCall(base, method, { ...params, auth: token }, deps.restOptions(portal, endpoint))
    if (userToken !== undefined) return send(userToken)

    if (portal.status === 'needs-reinstall') throw needsReinstall(portal.domain, 'its tokens were rejected')
    const token = deps.tokens.current(portal.id)
    if (token === undefined) throw needsReinstall(portal.domain, 'the app is not installed')
    try {
      return await send(token)
    } catch (err) {
      if (!isBitrixError(err)) throw err
      if (err.code === ErrorCodes.BITRIX_TOKEN_EXPIRED || refreshable.has(err.bitrixCode)) {
        const fresh = await deps.tokens.refresh(portal, token)
        return send(fresh).catch((again: unknown) => {
          // Rejected right after a refresh that worked (clock skew, replication lag): the job
          // tries again later; the portal is not marked for re-install.
          if (isBitrixError(again) && refreshable.has(again.bitrixCode)) {
            throw new BitrixError(again.code, again.message, {
              bitrixCode: again.bitrixCode,
              retryable: true,
            })
          }
          throw again
        })
      }
      if (rejected.has(err.bitrixCode)) {
        throw await deps.tokens.reject(
          portal,
          `the portal rejected the app's access token (${err.bitrixCode})`,
        )
      }
      throw err
    }
  }
}
