import type { Logger } from 'pino'
import { isConnectTimeout } from '../http/connect-timeout.js'
import { defaultMaxReplyBytes } from '../http/read-capped-reply.js'
import { encodeForm } from './encode-form.js'
import {
  type BitrixError,
  bitrixBadReply,
  bitrixConnectTimeout,
  bitrixErrorFrom,
  bitrixNetworkError,
  bitrixPaused,
  bitrixTimeout,
  isBitrixError,
} from './errors.js'
import type { LeakyBucket, Sleep } from './leaky-bucket.js'
import type { OperatingLimits } from './operating-limits.js'
import { innerMethods, pauseOn, recordReplyTimes } from './operating-pauses.js'
import { readRestReply } from './read-rest-reply.js'
import { maxRedirects, redirectStatuses, redirectTarget, refuseRedirect } from './redirect-target.js'

export interface RestCallOptions {
  /** Usually with a connect timeout (`withConnectTimeout`, bitrix.connectTimeoutMs) besides `timeoutMs`. */
  fetch: typeof fetch
  /** The portal's limiter: every HTTP request, redirects and retries included, takes a slot. */
  limiter: LeakyBucket
  sleep: Sleep
  timeoutMs: number
  /** Timeout of a `batch` request: up to 50 commands may legitimately run for tens of seconds. */
  batchTimeoutMs?: number
  /** The portal's per-method time budget: read from every reply's `time`, paused methods wait. */
  operating?: OperatingLimits
  now?: () => number
  /** Extra attempts on retryable errors (503, 429, 5xx, timeout, network). */
  retries: number
  /** First backoff step; doubles per attempt, with jitter. */
  backoffBaseMs?: number
  /** Longest wait inside one call; a longer Retry-After is left to the job's own retry. */
  maxWaitMs?: number
  random?: () => number
  /** Portal domain, for messages and logs (never the webhook URL: it holds the secret code). */
  portal: string
  /** Largest reply body read (`pipeline.maxReplyBytes`; default 16 MiB). */
  maxReplyBytes?: number
  /**
   * The SSRF guard for redirects: called with every redirect target before a byte is sent there;
   * throws (BRG_ERR_BITRIX_HOST_NOT_ALLOWED) when the target may not receive the request.
   */
  guardRedirect: (url: string) => void
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

const timeoutOf = (method: string, options: RestCallOptions) =>
  method === 'batch' ? (options.batchTimeoutMs ?? options.timeoutMs) : options.timeoutMs

async function sendOnce(url: string, body: string, method: string, options: RestCallOptions) {
  await options.limiter.take()
  const timeoutMs = timeoutOf(method, options)
  try {
    const response = await options.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (redirectStatuses.has(response.status)) {
      await response.body?.cancel()
      return { redirect: response.headers.get('location') }
    }
    const limit = options.maxReplyBytes ?? defaultMaxReplyBytes
    const text = await readRestReply(response, limit, options.portal, method)
    const raw: RawReply = { status: response.status, text }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now())
    if (retryAfterMs !== undefined) raw.retryAfterMs = retryAfterMs
    return { raw }
  } catch (err) {
    if (isBitrixError(err)) throw err
    if (isConnectTimeout(err)) throw bitrixConnectTimeout(options.portal, method, err)
    const name = err instanceof Error ? err.name : ''
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw bitrixTimeout(options.portal, method, timeoutMs, err)
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
    // A 302 from an allowed host must not carry the body (and its tokens) anywhere else.
    options.guardRedirect(target.url)
    url = target.url
    movedTo = target.base
  }
  throw refuseRedirect(options.portal, method, `more than ${maxRedirects} times`)
}

function interpret(
  raw: RawReply,
  method: string,
  params: Record<string, unknown>,
  options: RestCallOptions,
): unknown {
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
  if (options.operating !== undefined) {
    recordReplyTimes(options.operating, reply, method, params, (options.now ?? Date.now)())
  }
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

/** A method the portal paused is not called before the pause ends; one near its limit is spaced out. */
async function respectPauses(
  method: string,
  params: Record<string, unknown>,
  options: RestCallOptions,
  now: () => number,
): Promise<void> {
  const limits = options.operating
  if (limits === undefined) return
  const methods = innerMethods(method, params)
  const paused = limits.pausedUntil(methods, now())
  if (paused !== undefined) throw bitrixPaused(options.portal, method, paused.until, paused.reason)
  const wait = limits.slowDownMs(methods, now())
  if (wait > 0) {
    options.logger?.debug(
      { portal: options.portal, method, waitMs: wait },
      'near the operating-time limit, slowing down',
    )
    await options.sleep(wait)
  }
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
  const now = options.now ?? Date.now
  for (let attempt = 0; ; attempt++) {
    try {
      await respectPauses(method, params, options, now)
      const sent = await sendFollowing(current, method, body, options)
      current = sent.base
      return interpret(sent.raw, method, params, options)
    } catch (err) {
      if (!isBitrixError(err)) throw err
      // A paused method is not retried here: the job waits for the pause, spending no attempt.
      if (options.operating !== undefined)
        pauseOn(options.operating, err, method, params, now(), options.logger)
      if (err.pausedUntil !== undefined) throw err
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
