import type { Logger } from 'pino'
import { ErrorCodes } from '../errors.js'
import { runBatch } from './batch.js'
import { BitrixError } from './errors.js'
import { createHostGuard, type HostGuard } from './host-guard.js'
import {
  type Clock,
  createLeakyBucket,
  type LeakyBucket,
  realSleep,
  type Sleep,
  systemClock,
} from './leaky-bucket.js'
import { createOAuthCall } from './oauth-call.js'
import type { OAuthTokens } from './oauth-tokens.js'
import { createOperatingLimits, type MethodLimitState, type OperatingLimits } from './operating-limits.js'
import { createPublicLinkNotices } from './public-links.js'
import { readMessages } from './read-messages.js'
import { readWithTokens } from './read-with-tokens.js'
import { type RestCallOptions, restCall } from './rest-call.js'
import type { BitrixClient, PortalRecord, ReadResult } from './types.js'

/** OAuth mode: installed portals are called at their `client_endpoint` with the app's tokens. */
export interface OAuthClientOptions {
  tokens: OAuthTokens
  /** The SSRF guard: no request leaves for a host that is not the portal's or allow-listed. */
  hosts: HostGuard
  /** Opens a user token that was sealed into a job payload (storage.encryptionKey). */
  openUserToken?: (sealed: string) => string
}

export interface BitrixClientOptions {
  /** Per-portal bucket, mirroring Bitrix24's own (burst 50, 2/s on most plans). */
  rateLimit: { burst: number; perSecond: number }
  /**
   * Where a portal's bucket comes from when instances share one (a shared store provides it, so
   * all instances together stay within the portal's rate); default: a bucket in this process.
   */
  rateBucket?: (portalId: string) => LeakyBucket
  /** Messages read per `batch` request (default and maximum 50). */
  batchSize?: number
  timeoutMs: number
  /** Timeout of a `batch` request (default 60 s: the cloud's own limit for one request). */
  batchTimeoutMs?: number
  /** Extra attempts inside one call on 503/429/5xx/timeouts/network errors. */
  retries: number
  fetch?: typeof fetch
  clock?: Clock
  sleep?: Sleep
  /** First retry backoff (default 1000 ms), doubling per attempt with jitter. */
  backoffBaseMs?: number
  /** Largest reply body read from a portal (`pipeline.maxReplyBytes`; default 16 MiB). */
  maxReplyBytes?: number
  logger?: Logger
  /**
   * The SSRF guard every redirect target must pass (the portal's own domain or
   * `bitrix.allowedHosts`). Without one, a redirect is followed only on the portal's own host.
   */
  hosts?: HostGuard
  /** The portal answered from a new domain (renamed, and allowed by `hosts`): store it, keyed by member_id. */
  onPortalMoved?: (portal: PortalRecord, newDomain: string, newBase: string) => void
  oauth?: OAuthClientOptions
  /**
   * `bitrix.files`: `link` (default) mirrors each file with its Bitrix24 link, which needs a login;
   * `public-link` also reads a public link per file (`disk.file.getExternalLink`, scope `disk`).
   */
  files?: 'link' | 'public-link'
}

/** Bitrix24's cloud ends a request after 60 s; a batch may legitimately take that long. */
export const defaultBatchTimeoutMs = 60_000

function notConfigured(portal: PortalRecord): BitrixError {
  return new BitrixError(
    ErrorCodes.BITRIX_NOT_CONFIGURED,
    `portal ${portal.domain} has no webhook URL; create an incoming webhook with scopes im, imopenlines and set bitrix.portals[].webhookUrl of that portal`,
    { bitrixCode: 'NOT_CONFIGURED', retryable: false },
  )
}

/**
 * Bitrix24 REST client: one leaky bucket per portal, batching, redirects, retries. Hand-configured
 * portals are called through their incoming webhook; installed portals (OAuth mode) through their
 * client endpoint with the app's tokens, refreshed on `expired_token`.
 */
export function createBitrixClient(options: BitrixClientOptions): BitrixClient {
  const clock = options.clock ?? systemClock
  const sleep = options.sleep ?? realSleep
  const fetchFn = options.fetch ?? globalThis.fetch
  const logger = options.logger?.child({ component: 'bitrix' })
  const limiters = new Map<string, LeakyBucket>()
  const operating = new Map<string, { domain: string; limits: OperatingLimits }>()
  const linkNotices = options.files === 'public-link' ? createPublicLinkNotices(logger) : undefined

  function operatingFor(portal: PortalRecord): OperatingLimits {
    let entry = operating.get(portal.id)
    if (entry === undefined) {
      entry = { domain: portal.domain, limits: createOperatingLimits() }
      operating.set(portal.id, entry)
    }
    return entry.limits
  }
  // Redirects seen per portal: configured base → where the portal lives now.
  const moved = new Map<string, { from: string; to: string }>()

  function limiterFor(portal: PortalRecord): LeakyBucket {
    let limiter = limiters.get(portal.id)
    if (limiter === undefined) {
      limiter = options.rateBucket?.(portal.id) ?? createLeakyBucket({ ...options.rateLimit, clock, sleep })
      limiters.set(portal.id, limiter)
    }
    return limiter
  }

  function movedBase(portal: PortalRecord, configured: string): string | undefined {
    const redirect = moved.get(portal.id)
    return redirect !== undefined && redirect.from === configured ? redirect.to : undefined
  }

  const hosts = options.hosts ?? options.oauth?.hosts ?? createHostGuard([])

  function restOptions(portal: PortalRecord, from: string): RestCallOptions {
    return {
      guardRedirect: (url) => hosts.check(url, portal.domain, 'a redirected REST call'),
      fetch: fetchFn,
      limiter: limiterFor(portal),
      sleep,
      timeoutMs: options.timeoutMs,
      batchTimeoutMs: options.batchTimeoutMs ?? defaultBatchTimeoutMs,
      operating: operatingFor(portal),
      now: () => clock.now(),
      retries: options.retries,
      ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
      portal: portal.domain,
      ...(options.maxReplyBytes === undefined ? {} : { maxReplyBytes: options.maxReplyBytes }),
      ...(logger === undefined ? {} : { logger }),
      onRedirect(newBase) {
        moved.set(portal.id, { from, to: newBase })
        const newDomain = new URL(newBase).host
        logger?.warn({ portal: portal.domain, newDomain }, 'Bitrix24 portal moved to a new domain')
        options.onPortalMoved?.(portal, newDomain, newBase)
      },
    }
  }

  function webhookCall(portal: PortalRecord, method: string, params: Record<string, unknown>) {
    const configured = portal.webhookUrl
    if (configured === undefined || configured === '') throw notConfigured(portal)
    const base = configured.endsWith('/') ? configured : `${configured}/`
    return restCall(movedBase(portal, base) ?? base, method, params, restOptions(portal, base))
  }

  const oauthCall =
    options.oauth === undefined
      ? undefined
      : createOAuthCall({ ...options.oauth, movedBase, restOptions, restCall })

  function call(portal: PortalRecord, method: string, params: Record<string, unknown> = {}) {
    if (portal.installed === true && oauthCall !== undefined) return oauthCall(portal, method, params)
    return webhookCall(portal, method, params)
  }

  return {
    async call(portal, method, params = {}) {
      return call(portal, method, params)
    },
    operatingState() {
      const now = clock.now()
      return [...operating].flatMap(([id, entry]) =>
        entry.limits
          .snapshot(now)
          .map((state): MethodLimitState & { portal: string } => ({ ...state, portal: id })),
      )
    },
    portalsNotReady() {
      const waiting = new Map<string, number>()
      for (const [id, limiter] of limiters) {
        const ms = limiter.readyIn?.() ?? 0
        if (ms > 0) waiting.set(id, ms)
      }
      return waiting
    },
    async readMessages(portal, refs): Promise<ReadResult[]> {
      const read = (
        batchCall: (method: string, params: Record<string, unknown>) => Promise<unknown>,
        list: typeof refs,
      ) =>
        readMessages(list, {
          portal: portal.domain,
          ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          now: () => clock.now(),
          ...(linkNotices === undefined ? {} : { publicLinks: linkNotices(portal.domain) }),
          batch: (commands) =>
            runBatch(batchCall, commands, portal.domain, (method) => {
              return operatingFor(portal).pausedUntil([method], clock.now())?.until
            }),
        })
      if (portal.installed === true && oauthCall !== undefined) {
        const open = options.oauth?.openUserToken ?? ((token: string) => token)
        const opened = refs.map((ref) => {
          if (ref.userToken === undefined) return ref
          try {
            return { ...ref, userToken: open(ref.userToken) }
          } catch {
            // Sealed with a key the bridge no longer has: read with the app's token instead.
            const { userToken: _unreadable, ...rest } = ref
            return rest
          }
        })
        return readWithTokens(opened, (list, userToken) =>
          read((method, params) => oauthCall(portal, method, params, userToken), list),
        )
      }
      if (portal.webhookUrl === undefined || portal.webhookUrl === '') {
        const error = notConfigured(portal)
        return refs.map(() => ({ status: 'error', error }))
      }
      return read((method, params) => webhookCall(portal, method, params), refs)
    },
  }
}
