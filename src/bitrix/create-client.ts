import type { Logger } from 'pino'
import { ErrorCodes } from '../errors.js'
import { runBatch } from './batch.js'
import { BitrixError } from './errors.js'
import {
  type Clock,
  createLeakyBucket,
  type LeakyBucket,
  realSleep,
  type Sleep,
  systemClock,
} from './leaky-bucket.js'
import { readMessages } from './read-messages.js'
import { restCall } from './rest-call.js'
import type { BitrixClient, PortalRecord, ReadResult } from './types.js'

export interface BitrixClientOptions {
  /** Per-portal bucket, mirroring Bitrix24's own (burst 50, 2/s on most plans). */
  rateLimit: { burst: number; perSecond: number }
  timeoutMs: number
  /** Extra attempts inside one call on 503/429/5xx/timeouts/network errors. */
  retries: number
  fetch?: typeof fetch
  clock?: Clock
  sleep?: Sleep
  /** First retry backoff (default 1000 ms), doubling per attempt with jitter. */
  backoffBaseMs?: number
  logger?: Logger
  /** The portal answered from a new domain (renamed): store it, keyed by member_id. */
  onPortalMoved?: (portal: PortalRecord, newDomain: string, newWebhookUrl: string) => void
}

function notConfigured(portal: PortalRecord): BitrixError {
  return new BitrixError(
    ErrorCodes.BITRIX_NOT_CONFIGURED,
    `portal ${portal.domain} has no webhook URL; create an incoming webhook with scopes im, imopenlines and set bitrix.portals[].webhookUrl of that portal`,
    { bitrixCode: 'NOT_CONFIGURED', retryable: false },
  )
}

/** Bitrix24 REST client in webhook mode: one leaky bucket per portal, batching, redirects, retries. */
export function createBitrixClient(options: BitrixClientOptions): BitrixClient {
  const clock = options.clock ?? systemClock
  const sleep = options.sleep ?? realSleep
  const fetchFn = options.fetch ?? globalThis.fetch
  const logger = options.logger?.child({ component: 'bitrix' })
  const limiters = new Map<string, LeakyBucket>()
  // Redirects seen per portal: configured webhook URL → where the portal lives now.
  const moved = new Map<string, { from: string; to: string }>()

  function limiterFor(portal: PortalRecord): LeakyBucket {
    let limiter = limiters.get(portal.id)
    if (limiter === undefined) {
      limiter = createLeakyBucket({ ...options.rateLimit, clock, sleep })
      limiters.set(portal.id, limiter)
    }
    return limiter
  }

  function baseOf(portal: PortalRecord): string {
    const configured = portal.webhookUrl
    if (configured === undefined || configured === '') throw notConfigured(portal)
    const base = configured.endsWith('/') ? configured : `${configured}/`
    const redirect = moved.get(portal.id)
    return redirect !== undefined && redirect.from === base ? redirect.to : base
  }

  function call(
    portal: PortalRecord,
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<unknown> {
    const base = baseOf(portal)
    return restCall(base, method, params, {
      fetch: fetchFn,
      limiter: limiterFor(portal),
      sleep,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
      portal: portal.domain,
      ...(logger === undefined ? {} : { logger }),
      onRedirect(newBase) {
        const from = portal.webhookUrl?.endsWith('/') ? portal.webhookUrl : `${portal.webhookUrl}/`
        moved.set(portal.id, { from, to: newBase })
        const newDomain = new URL(newBase).host
        logger?.warn({ portal: portal.domain, newDomain }, 'Bitrix24 portal moved to a new domain')
        options.onPortalMoved?.(portal, newDomain, newBase)
      },
    })
  }

  return {
    call,
    async readMessages(portal, refs): Promise<ReadResult[]> {
      if (portal.webhookUrl === undefined || portal.webhookUrl === '') {
        const error = notConfigured(portal)
        return refs.map(() => ({ status: 'error', error }))
      }
      return readMessages(refs, {
        portal: portal.domain,
        now: () => clock.now(),
        batch: (commands) =>
          runBatch((method, params) => call(portal, method, params), commands, portal.domain),
      })
    },
  }
}
