import type { Logger } from 'pino'
import { encodeForm } from './encode-form.js'
import {
  type BitrixError,
  bitrixBadReply,
  bitrixErrorFrom,
  bitrixNetworkError,
  bitrixTimeout,
  isBitrixError,
} from './errors.js'
import type { LeakyBucket, Sleep } from './leaky-bucket.js'
import { maxRedirects, redirectStatuses, redirectTarget, refuseRedirect } from './redirect-target.js'

export interface RestCallOptions {
  fetch: typeof fetch
  /** The portal's limiter: every HTTP request, redirects and retries included, takes a slot. */
  limiter: LeakyBucket
  sleep: Sleep
  timeoutMs: number
  /** Extra attempts on retryable errors (503, 429, 5xx, timeout, network). */
  retries: number
  /** First backoff step; doubles per attempt, with jitter. */
  backoffBaseMs?: number
  /** Longest wait inside one call; a longer Retry-After is left to the job's own retry. */
  maxWaitMs?: number
  random?: () => number
  /** Portal domain, for messages and logs (never the webhook URL: it holds the secret code). */
  portal: string
  /** Called once the portal answered from a new base after a redirect (renamed portal). */
  onRedirect?: (newBase: string) => void
  logger?: Logger
}

interface RawReply {
  status: number
  text: string
  retryAfterMs?: number
}

function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

async function sendOnce(url: string, body: string, method: string, options: RestCallOptions) {
  await options.limiter.take()
  try {
    const response = await options.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    if (redirectStatuses.has(response.status)) {
      await response.body?.cancel()
      return { redirect: response.headers.get('location') }
    }
    const raw: RawReply = { status: response.status, text: await response.text() }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now())
    if (retryAfterMs !== undefined) raw.retryAfterMs = retryAfterMs
    return { raw }
  } catch (err) {
    const name = err instanceof Error ? err.name : ''
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw bitrixTimeout(options.portal, method, options.timeoutMs, err)
    }
    throw bitrixNetworkError(options.portal, method, err)
  }
}

/** Sends once, following a renamed portal's redirects by re-POSTing the same body. */
async function sendFollowing(base: string, method: string, body: string, options: RestCallOptions) {
  let url = `${base}${method}`
  let movedTo: string | undefined
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const outcome = await sendOnce(url, body, method, options)
    if (outcome.raw !== undefined) {
      if (movedTo !== undefined) options.onRedirect?.(movedTo)
      return { raw: outcome.raw, base: movedTo ?? base }
    }
    const target = redirectTarget(outcome.redirect, url, method, options.portal)
    if (isBitrixError(target)) throw target
    url = target.url
    movedTo = target.base
  }
  throw refuseRedirect(options.portal, method, `more than ${maxRedirects} times`)
}

function interpret(raw: RawReply, method: string, options: RestCallOptions): unknown {
  let json: unknown
  try {
    json = JSON.parse(raw.text)
  } catch {
    if (raw.status >= 400) throw bitrixErrorFrom(raw.status, undefined, { portal: options.portal, method })
    throw bitrixBadReply(
      options.portal,
      method,
      `HTTP ${raw.status} with a body that is not JSON`,
      raw.status,
    )
  }
  const reply = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
  if (raw.status >= 400 || reply.error !== undefined) {
    const context = {
      portal: options.portal,
      method,
      ...(raw.retryAfterMs === undefined ? {} : { retryAfterMs: raw.retryAfterMs }),
    }
    throw bitrixErrorFrom(raw.status, reply, context)
  }
  if (!('result' in reply)) throw bitrixBadReply(options.portal, method, 'JSON without `result`', raw.status)
  return reply.result
}

function backoffMs(attempt: number, error: BitrixError, options: RestCallOptions): number {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs
  const base = options.backoffBaseMs ?? 1000
  const step = Math.min(options.maxWaitMs ?? 30_000, base * 2 ** attempt)
  // Jitter spreads the retries of many workers hitting the same portal.
  return Math.round(step * (0.5 + (options.random ?? Math.random)() * 0.5))
}

/**
 * One REST call: `POST <base><method>` with a PHP-style form body. Returns the reply's `result`;
 * throws BitrixError after `retries` bounded retries of retryable failures.
 */
export async function restCall(
  base: string,
  method: string,
  params: Record<string, unknown>,
  options: RestCallOptions,
): Promise<unknown> {
  const body = encodeForm(params)
  let current = base
  for (let attempt = 0; ; attempt++) {
    try {
      const sent = await sendFollowing(current, method, body, options)
      current = sent.base
      return interpret(sent.raw, method, options)
    } catch (err) {
      if (!isBitrixError(err)) throw err
      const delay = backoffMs(attempt, err, options)
      if (!err.retryable || attempt >= options.retries || delay > (options.maxWaitMs ?? 30_000)) throw err
      if (err.bitrixCode === 'QUERY_LIMIT_EXCEEDED') options.limiter.penalize(delay)
      options.logger?.warn(
        { portal: options.portal, method, attempt: attempt + 1, bitrixCode: err.bitrixCode, delayMs: delay },
        'Bitrix24 call failed, retrying',
      )
      await options.sleep(delay)
    }
  }
}
