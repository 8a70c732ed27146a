import type { Logger } from 'pino'
import type { AppConfig } from '../config/types.js'
import { ErrorCodes } from '../errors.js'
import { defaultMaxReplyBytes } from '../http/read-capped-reply.js'
import type { PortalCredentials } from '../store/store.js'
import { BitrixError } from './errors.js'
import { exchangeRefreshToken, type GrantReply } from './oauth-grant.js'
import type { PortalRegistry } from './portal-registry.js'
import type { PortalRecord } from './types.js'

/** The app's OAuth tokens per installed portal: the current one, a single-flight refresh, rejection. */
export interface OAuthTokens {
  current(memberId: string): string | undefined
  /**
   * Replaces `stale` (the token a portal just called expired). One refresh per portal at a time:
   * concurrent callers share it, and a caller whose token was already replaced gets the new one.
   */
  refresh(portal: PortalRecord, stale: string): Promise<string>
  /** The portal rejected the app's tokens: mark it `needs-reinstall` and say what to do. */
  reject(portal: PortalRecord, reason: string): Promise<BitrixError>
}

export interface OAuthTokensOptions {
  registry: PortalRegistry
  /** `oauthServer` is the only place refreshes go (never an event's `auth.server_endpoint`). */
  app: Pick<AppConfig, 'clientId' | 'clientSecret' | 'oauthServer'>
  fetch: typeof fetch
  timeoutMs: number
  /** Largest OAuth reply read (`pipeline.maxReplyBytes`). */
  maxReplyBytes?: number
  logger?: Logger
  now?: () => number
  /**
   * Instances sharing the store: a lock no other instance holds at the same time. A refresh runs
   * under it and re-reads the stored tokens first: refresh tokens are single-use, and two instances
   * refreshing at once would lock the portal out.
   */
  lock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>
}

export function needsReinstall(domain: string, reason: string): BitrixError {
  return new BitrixError(
    ErrorCodes.BITRIX_NEEDS_REINSTALL,
    `portal ${domain} needs the app re-installed (${reason}): an administrator opens the application in Bitrix24 and reinstalls it; its messages wait in the queue and are mirrored after the new install`,
    { bitrixCode: 'NEEDS_REINSTALL', retryable: false },
  )
}

function oauthError(domain: string, what: string, retryable: boolean, cause?: unknown): BitrixError {
  return new BitrixError(ErrorCodes.BITRIX_OAUTH, `token refresh for portal ${domain} failed: ${what}`, {
    bitrixCode: 'OAUTH',
    retryable,
    cause,
  })
}

export function createOAuthTokens(options: OAuthTokensOptions): OAuthTokens {
  const { registry, logger, lock } = options
  const now = options.now ?? Date.now
  const inflight = new Map<string, Promise<string>>()

  async function reject(portal: PortalRecord, reason: string): Promise<BitrixError> {
    const error = needsReinstall(portal.domain, reason)
    const updated = await registry.update(portal.id, (c) => ({
      ...c,
      status: 'needs-reinstall',
      statusReason: reason,
    }))
    if (updated !== undefined) {
      logger?.error(
        { portal: portal.domain, member_id: portal.id, reason },
        `portal ${portal.domain} needs the app re-installed: reinstall the application in Bitrix24; its messages wait and are mirrored after the install`,
      )
    }
    return error
  }

  const grant = {
    oauthServer: options.app.oauthServer,
    clientId: options.app.clientId,
    clientSecret: options.app.clientSecret,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    maxReplyBytes: options.maxReplyBytes ?? defaultMaxReplyBytes,
  }

  async function post(c: PortalCredentials): Promise<{ status: number; reply: GrantReply }> {
    // Only at the configured OAuth server (BITRIX24.md §4): the client secret goes nowhere else.
    const outcome = await exchangeRefreshToken(grant, c.refreshToken)
    if (!outcome.answered) {
      throw oauthError(c.domain, `${outcome.reason}; retried later`, outcome.retryable, outcome.cause)
    }
    return outcome
  }

  async function run(portal: PortalRecord): Promise<string> {
    const c = registry.credentials(portal.id)
    if (c === undefined) throw needsReinstall(portal.domain, 'the app is not installed')
    const { status, reply } = await post(c)
    if (reply.error === 'invalid_grant')
      throw await reject(portal, 'the refresh token was rejected (invalid_grant)')
    if (reply.error === 'invalid_client') {
      throw oauthError(
        c.domain,
        'the OAuth server rejected bitrix.app.clientId/clientSecret (invalid_client); check them against the application card',
        true,
      )
    }
    if (typeof reply.member_id === 'string' && reply.member_id !== c.memberId) {
      // The old refresh token is spent and the new pair belongs elsewhere: only an install helps.
      throw await reject(
        portal,
        'the OAuth server answered with tokens of another portal (check bitrix.app.oauthServer)',
      )
    }
    const access = reply.access_token
    const refresh = reply.refresh_token
    if (status !== 200 || typeof access !== 'string' || typeof refresh !== 'string' || access === '') {
      const said = typeof reply.error === 'string' ? reply.error : `HTTP ${status}`
      throw oauthError(
        c.domain,
        `the OAuth server answered ${said}; retried later`,
        status >= 500 || status === 429,
      )
    }
    const expires = Number(reply.expires)
    const expiresIn = Number(reply.expires_in)
    const expiresAt =
      Number.isFinite(expires) && expires > 0 ? expires * 1000 : now() + (expiresIn || 3600) * 1000
    // Both tokens in one write: a refresh token is single-use, losing the new one means a re-install.
    await registry.update(portal.id, (current) => ({
      ...current,
      accessToken: access,
      refreshToken: refresh,
      expiresAt,
      ...(typeof reply.scope === 'string' ? { scope: reply.scope } : {}),
    }))
    logger?.info({ portal: c.domain, member_id: c.memberId }, 'OAuth access token refreshed')
    return access
  }

  /** Across instances: whoever takes the lock first refreshes; the others find its tokens stored. */
  function runShared(
    portal: PortalRecord,
    stale: string,
    withLock: NonNullable<OAuthTokensOptions['lock']>,
  ): Promise<string> {
    return withLock(`refresh:${portal.id}`, async () => {
      const stored = await registry.reload(portal.id)
      if (stored === undefined) throw needsReinstall(portal.domain, 'the app is not installed')
      if (stored.status === 'needs-reinstall') {
        throw needsReinstall(portal.domain, stored.statusReason ?? 'tokens rejected')
      }
      if (stored.accessToken !== stale) return stored.accessToken
      return run(portal)
    })
  }

  return {
    current: (memberId) => registry.credentials(memberId)?.accessToken,
    refresh(portal, stale) {
      const c = registry.credentials(portal.id)
      if (c === undefined) return Promise.reject(needsReinstall(portal.domain, 'the app is not installed'))
      if (c.status === 'needs-reinstall') {
        return Promise.reject(needsReinstall(portal.domain, c.statusReason ?? 'tokens rejected'))
      }
      if (c.accessToken !== stale) return Promise.resolve(c.accessToken)
      let flight = inflight.get(portal.id)
      if (flight === undefined) {
        flight = (lock === undefined ? run(portal) : runShared(portal, stale, lock)).finally(() =>
          inflight.delete(portal.id),
        )
        inflight.set(portal.id, flight)
      }
      return flight
    },
    reject,
  }
}
