import type { Logger } from 'pino'
import type { HostGuard } from '../bitrix/host-guard.js'
import type { PortalRegistry } from '../bitrix/portal-registry.js'
import type { ProvenInstall, ProveOutcome } from '../bitrix/prove-install.js'
import type { AppConfig } from '../config/types.js'
import { BridgeError, type ErrorCode, ErrorCodes, errorMessage } from '../errors.js'
import type { PortalCredentials } from '../store/store.js'
import type { EventHandler, EventHandlerMap } from './event-handlers.js'
import { type EventEnvelope, invalidBody, type Problem } from './event-schema.js'
import { type TokenCheck, tokensEqual } from './verify-token.js'

export interface AppLifecycleDeps {
  registry: PortalRegistry
  hosts: HostGuard
  app: AppConfig
  onUninstall: 'keep' | 'purge'
  /**
   * Exchanges the install's refresh token at `bitrix.app.oauthServer` (prove-install.ts): who the
   * tokens belong to, by the OAuth server's word. Throws when the server cannot be asked.
   */
  proveInstall(refreshToken: string): Promise<ProveOutcome>
  logger: Logger
  now: () => number
  /** A portal was (re)installed: wake its waiting jobs, pull its offline queue. Must not throw. */
  onInstalled?: (memberId: string) => void
  /** ONOFFLINEEVENT arrived: pull that portal's offline queue. Must not throw. */
  onOfflinePing?: (memberId: string) => void
}

/** What ONAPPINSTALL / ONAPPUPDATE deliver in `auth`. */
interface InstallData {
  memberId: string
  domain: string
  clientEndpoint: string
  serverEndpoint: string
  applicationToken: string
  accessToken?: string
  refreshToken?: string
  expiresAt?: number
  scope?: string
}

function readInstall(envelope: EventEnvelope, tokensRequired: boolean): InstallData {
  const a = envelope.auth
  const problems: Problem[] = []
  const need = (value: string | undefined, key: string) => {
    if (value === undefined) problems.push({ path: `auth.${key}`, message: 'is required for an install' })
    return value ?? ''
  }
  const data: InstallData = {
    memberId: a.memberId,
    domain: a.domain.toLowerCase(),
    applicationToken: need(a.applicationToken, 'application_token'),
    clientEndpoint: need(a.clientEndpoint, 'client_endpoint'),
    serverEndpoint: need(a.serverEndpoint, 'server_endpoint'),
  }
  if (tokensRequired) {
    need(a.accessToken, 'access_token')
    need(a.refreshToken, 'refresh_token')
  }
  if (problems.length > 0) throw invalidBody(problems)
  if (a.accessToken !== undefined) data.accessToken = a.accessToken
  if (a.refreshToken !== undefined) data.refreshToken = a.refreshToken
  if (a.scope !== undefined) data.scope = a.scope
  const expiresAt =
    a.expires !== undefined
      ? a.expires * 1000
      : a.expiresIn !== undefined
        ? envelope.ts * 1000 + a.expiresIn * 1000
        : undefined
  if (expiresAt !== undefined) data.expiresAt = expiresAt
  return data
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return undefined
  }
}

function refuse(code: ErrorCode, reason: string, message: string): TokenCheck {
  return { ok: false, code, reason, message }
}

/**
 * OAuth mode's app lifecycle (BITRIX24.md §2): ONAPPINSTALL stores the portal's tokens per
 * member_id, ONAPPUPDATE rotates the application token, ONAPPUNINSTALL (proven by the stored token)
 * forgets the portal. A new portal, or a token that differs from the stored one, is proven by
 * using its access token at the portal before anything is stored.
 */
export function appLifecycleHandlers(deps: AppLifecycleDeps): EventHandlerMap {
  const { registry, hosts, app, logger } = deps

  /**
   * Checks an install can make from the event and the config alone, before anything is asked of
   * anyone: endpoints on allowed hosts, the REST endpoint on the named domain, installs allowed.
   */
  function verifyInstall(data: InstallData): TokenCheck {
    const clientOk = hosts.allowsHost(data.clientEndpoint)
    const serverOk = hosts.allowsHost(data.serverEndpoint)
    if (!clientOk || !serverOk) {
      return refuse(
        ErrorCodes.AUTH_ENDPOINT_NOT_ALLOWED,
        `${clientOk ? 'server' : 'client'}_endpoint not allowed`,
        `the install names an endpoint outside bitrix.allowedHosts (${clientOk ? 'server_endpoint' : 'client_endpoint'}); nothing was stored — add the portal's host to bitrix.allowedHosts if it is a self-hosted Bitrix24`,
      )
    }
    // The REST endpoint must be on the portal's own domain: the domain is what routes match.
    if (hostOf(data.clientEndpoint) !== data.domain) {
      return refuse(
        ErrorCodes.AUTH_ENDPOINT_NOT_ALLOWED,
        'client_endpoint not on the portal domain',
        `the install's client_endpoint is not on portal ${data.domain}; nothing was stored`,
      )
    }
    if (app.allowedDomains.length > 0 && !app.allowedDomains.includes(data.domain)) {
      return refuse(
        ErrorCodes.AUTH_INSTALL_REFUSED,
        'domain not in allowedDomains',
        `portal ${data.domain} is not in bitrix.app.allowedDomains; add it there to allow the install`,
      )
    }
    if (!app.allowInstall && registry.credentials(data.memberId) === undefined) {
      return refuse(
        ErrorCodes.AUTH_INSTALL_REFUSED,
        'installs are off',
        `portal ${data.domain} is not installed and bitrix.app.allowInstall is false; set it to true (or add the portal to bitrix.app.allowedDomains) and install the app again`,
      )
    }
    return {
      ok: true,
      portal: { id: data.memberId, memberId: data.memberId, domain: data.domain, installed: true },
    }
  }

  function installHandler(kind: 'install' | 'update'): EventHandler<InstallData> {
    return {
      always: true,
      parse: (envelope) => readInstall(envelope, kind === 'install'),
      verify: (envelope) => {
        try {
          return verifyInstall(readInstall(envelope, kind === 'install'))
        } catch {
          // parse() already threw for this body; unreachable in practice.
          return refuse(ErrorCodes.AUTH_TOKEN_MISSING, 'no install data', 'the install carries no tokens')
        }
      },
      async handle(data) {
        const known = registry.credentials(data.memberId)
        const sameToken = known !== undefined && tokensEqual(data.applicationToken, known.applicationToken)
        const now = deps.now()
        let record: PortalCredentials
        if (data.refreshToken === undefined) {
          // Nothing to prove with: only a repeat of what is stored (same application token) passes.
          if (known === undefined || !sameToken) {
            throw new BridgeError(
              ErrorCodes.AUTH_INSTALL_REFUSED,
              `portal ${data.domain}: the ${kind} carries no refresh token to prove it with; nothing was stored — install the app again`,
            )
          }
          record = { ...known, updatedAt: now }
        } else {
          const proven = await prove(data)
          record = {
            memberId: proven.memberId,
            domain: proven.domain,
            clientEndpoint: proven.clientEndpoint,
            serverEndpoint: new URL('/rest/', app.oauthServer).href,
            applicationToken: data.applicationToken,
            accessToken: proven.accessToken,
            refreshToken: proven.refreshToken,
            expiresAt: proven.expiresAt,
            scope: proven.scope ?? data.scope ?? known?.scope ?? '',
            status: 'active',
            installedAt: known?.installedAt ?? now,
            updatedAt: now,
          }
        }
        if (known?.offlineProcessId !== undefined) record.offlineProcessId = known.offlineProcessId
        await registry.save(record)
        logger.info(
          {
            portal: record.domain,
            member_id: record.memberId,
            event: kind,
            tokenRotated: known !== undefined && !sameToken,
            resumed: known?.status === 'needs-reinstall',
          },
          kind === 'install' ? 'app installed on portal' : 'app updated on portal',
        )
        deps.onInstalled?.(record.memberId)
        return kind === 'install'
          ? { ok: true, installed: record.domain }
          : { ok: true, updated: record.domain }
      },
    }
  }

  function refused(message: string, cause?: unknown): BridgeError {
    return new BridgeError(ErrorCodes.AUTH_INSTALL_REFUSED, `${message}; nothing was stored`, { cause })
  }

  /**
   * The install's refresh token, exchanged at the configured OAuth server, says which portal the
   * install is for; it must be the portal the event names, and not one configured by hand.
   */
  async function prove(data: InstallData): Promise<ProvenInstall> {
    let outcome: ProveOutcome
    try {
      outcome = await deps.proveInstall(data.refreshToken ?? '')
    } catch (err) {
      throw refused(
        `could not check the install of portal ${data.domain} with the OAuth server (${errorMessage(err)}) — install the app again once it is reachable`,
        err,
      )
    }
    if (!outcome.ok) {
      throw refused(`the install of portal ${data.domain} was not proven: ${outcome.reason}`)
    }
    const { proven } = outcome
    const sameEndpoint = new URL(
      data.clientEndpoint.endsWith('/') ? data.clientEndpoint : `${data.clientEndpoint}/`,
    ).href
    if (
      proven.memberId !== data.memberId ||
      proven.domain !== data.domain ||
      proven.clientEndpoint !== sameEndpoint
    ) {
      logger.warn(
        { member_id: data.memberId, domain: data.domain, reason: 'install tokens belong to another portal' },
        'install refused',
      )
      throw refused(
        `the OAuth server says the tokens of this install belong to another portal than ${data.domain}`,
      )
    }
    const hand = registry.configured(proven.memberId, proven.domain)
    if (hand !== undefined) {
      throw refused(
        `portal ${proven.domain} (member_id ${proven.memberId}) is configured by hand in bitrix.portals (${hand.domain}); remove it there before installing the app on it`,
      )
    }
    return proven
  }

  const uninstall: EventHandler<undefined> = {
    always: true,
    parse: () => undefined,
    async handle(_data, portal) {
      if (portal.installed !== true) {
        return {
          ignored: `portal ${portal.domain} is configured in bitrix.portals, not installed; remove it there`,
        }
      }
      const removed = await registry.remove(portal.id, { purgeMirrors: deps.onUninstall === 'purge' })
      logger.warn(
        {
          portal: portal.domain,
          member_id: portal.id,
          jobsDropped: removed.jobs,
          mirrorsPurged: removed.mirrors,
        },
        'app uninstalled from portal: credentials and pending jobs removed',
      )
      return { ok: true, uninstalled: portal.domain, jobsDropped: removed.jobs }
    },
  }

  const offlinePing: EventHandler<undefined> = {
    always: true,
    parse: () => undefined,
    handle(_data, portal) {
      deps.onOfflinePing?.(portal.id)
      return { ok: true, polling: true }
    },
  }

  return {
    ONAPPINSTALL: installHandler('install'),
    ONAPPUPDATE: installHandler('update'),
    ONAPPUNINSTALL: uninstall,
    ONOFFLINEEVENT: offlinePing,
  }
}
