import type { Logger } from 'pino'
import type { HostGuard } from '../bitrix/host-guard.js'
import type { PortalRegistry } from '../bitrix/portal-registry.js'
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
  /** Uses the install's access token at the portal (`app.info`); false when the portal rejects it. */
  proveToken(clientEndpoint: string, domain: string, accessToken: string): Promise<boolean>
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

  function verifyInstall(data: InstallData): TokenCheck {
    const known = registry.credentials(data.memberId)
    const clientOk =
      known === undefined
        ? hosts.allowsHost(data.clientEndpoint)
        : hosts.allowsFor(data.clientEndpoint, known.domain)
    const serverOk = data.serverEndpoint === known?.serverEndpoint || hosts.allowsHost(data.serverEndpoint)
    if (!clientOk || !serverOk) {
      return refuse(
        ErrorCodes.AUTH_ENDPOINT_NOT_ALLOWED,
        `${clientOk ? 'server' : 'client'}_endpoint not allowed`,
        `the install names an endpoint outside bitrix.allowedHosts (${clientOk ? 'server_endpoint' : 'client_endpoint'}); nothing was stored — add the portal's host to bitrix.allowedHosts if it is a self-hosted Bitrix24`,
      )
    }
    if (known === undefined) {
      // A new portal's REST endpoint must be on its own domain: the domain is what routes match.
      if (hostOf(data.clientEndpoint) !== data.domain) {
        return refuse(
          ErrorCodes.AUTH_ENDPOINT_NOT_ALLOWED,
          'client_endpoint not on the portal domain',
          `the install's client_endpoint is not on portal ${data.domain}; nothing was stored`,
        )
      }
      if (!app.allowInstall) {
        return refuse(
          ErrorCodes.AUTH_INSTALL_REFUSED,
          'installs are off',
          `portal ${data.domain} is not installed and bitrix.app.allowInstall is false; set it to true (or add the portal to bitrix.app.allowedDomains) and install the app again`,
        )
      }
      if (app.allowedDomains.length > 0 && !app.allowedDomains.includes(data.domain)) {
        return refuse(
          ErrorCodes.AUTH_INSTALL_REFUSED,
          'domain not in allowedDomains',
          `portal ${data.domain} is not in bitrix.app.allowedDomains; add it there to allow the install`,
        )
      }
    }
    return {
      ok: true,
      portal: {
        id: data.memberId,
        memberId: data.memberId,
        domain: known?.domain ?? data.domain,
        installed: true,
      },
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
        if (!sameToken) await prove(data, known)
        const now = deps.now()
        const accessToken = data.accessToken ?? known?.accessToken
        const refreshToken = data.refreshToken ?? known?.refreshToken
        if (accessToken === undefined || refreshToken === undefined) {
          throw new BridgeError(
            ErrorCodes.AUTH_INSTALL_REFUSED,
            `portal ${data.domain} is not installed yet; install the app (ONAPPUPDATE without tokens cannot replace an install)`,
          )
        }
        const record: PortalCredentials = {
          memberId: data.memberId,
          domain: known?.domain ?? data.domain,
          clientEndpoint: known?.clientEndpoint ?? data.clientEndpoint,
          serverEndpoint: data.serverEndpoint,
          applicationToken: data.applicationToken,
          accessToken,
          refreshToken,
          expiresAt: data.expiresAt ?? known?.expiresAt ?? 0,
          scope: data.scope ?? known?.scope ?? '',
          status: 'active',
          installedAt: known?.installedAt ?? now,
          updatedAt: now,
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

  async function prove(data: InstallData, known: PortalCredentials | undefined): Promise<void> {
    const endpoint = known?.clientEndpoint ?? data.clientEndpoint
    const domain = known?.domain ?? data.domain
    let ok = false
    if (data.accessToken !== undefined) {
      try {
        ok = await deps.proveToken(endpoint, domain, data.accessToken)
      } catch (err) {
        throw new BridgeError(
          ErrorCodes.AUTH_INSTALL_REFUSED,
          `could not check the install with portal ${domain} (${errorMessage(err)}); nothing was stored — install the app again once the portal is reachable`,
          { cause: err },
        )
      }
    }
    if (!ok) {
      throw new BridgeError(
        ErrorCodes.AUTH_INSTALL_REFUSED,
        `portal ${domain} did not accept the access token this ${known === undefined ? 'install' : 'token change'} carries; nothing was stored`,
      )
    }
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
