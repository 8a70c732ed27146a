import { exchangeRefreshToken, type GrantOptions } from './oauth-grant.js'

/** What the OAuth server says an install's refresh token belongs to, and the new token pair. */
export interface ProvenInstall {
  memberId: string
  /** The portal's host, from `client_endpoint` (the reply's `domain` is the OAuth server's own). */
  domain: string
  /** The portal's REST base, ending in `/`. */
  clientEndpoint: string
  accessToken: string
  /** The new refresh token: the one the install carried is spent by the exchange. */
  refreshToken: string
  expiresAt: number
  scope?: string
}

export type ProveOutcome = { ok: true; proven: ProvenInstall } | { ok: false; reason: string }

function restBase(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const url = new URL(value.endsWith('/') ? value : `${value}/`)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined
  } catch {
    return undefined
  }
}

/**
 * Bitrix24 signs nothing, and a stranger's own portal happily accepts its own access token; what
 * only a genuine install of THIS app holds is a refresh token the configured OAuth server will
 * exchange for this app's client_id/client_secret. So an install is proven by that exchange, and
 * the portal it is for (member_id, client_endpoint) is taken from the OAuth server's answer.
 * Resolves `ok: false` when the server refuses the token; throws when it cannot tell (unreachable,
 * 5xx), so the caller refuses without blaming the portal.
 */
export async function proveInstall(
  grant: GrantOptions,
  refreshToken: string,
  now: () => number,
): Promise<ProveOutcome> {
  const outcome = await exchangeRefreshToken(grant, refreshToken)
  if (!outcome.answered) {
    if (outcome.retryable) throw new Error(outcome.reason, { cause: outcome.cause })
    return { ok: false, reason: outcome.reason }
  }
  const { status, reply } = outcome
  if (status >= 500 || status === 429) throw new Error(`the OAuth server answered HTTP ${status}`)
  const endpoint = restBase(reply.client_endpoint)
  const { access_token: access, refresh_token: refresh, member_id: memberId } = reply
  if (
    status !== 200 ||
    typeof access !== 'string' ||
    access === '' ||
    typeof refresh !== 'string' ||
    typeof memberId !== 'string' ||
    memberId === '' ||
    endpoint === undefined
  ) {
    const said = typeof reply.error === 'string' ? reply.error.slice(0, 64) : `HTTP ${status}`
    return { ok: false, reason: `the OAuth server did not accept the refresh token (${said})` }
  }
  const expires = Number(reply.expires)
  const expiresIn = Number(reply.expires_in)
  const proven: ProvenInstall = {
    memberId,
    domain: endpoint.host.toLowerCase(),
    clientEndpoint: endpoint.href,
    accessToken: access,
    refreshToken: refresh,
    expiresAt: Number.isFinite(expires) && expires > 0 ? expires * 1000 : now() + (expiresIn || 3600) * 1000,
  }
  if (typeof reply.scope === 'string') proven.scope = reply.scope
  return { ok: true, proven }
}
