import { BridgeError, type ErrorCode, ErrorCodes } from '../errors.js'
import type { ConnectTimeoutError } from '../http/connect-timeout.js'

export interface BitrixErrorOptions {
  /** Bitrix24's own error string (`QUERY_LIMIT_EXCEEDED`), or `HTTP_<status>`, `TIMEOUT`, `NETWORK`. */
  bitrixCode: string
  httpStatus?: number
  retryable: boolean
  retryAfterMs?: number
  /** The portal paused this method (or the whole REST API) until then, ms since the epoch. */
  pausedUntil?: number
  cause?: unknown
}

/** A failed Bitrix24 REST call. `retryable` says whether the same call may succeed later. */
export class BitrixError extends BridgeError {
  readonly bitrixCode: string
  readonly httpStatus?: number
  readonly retryable: boolean
  readonly retryAfterMs?: number
  /**
   * Set when Bitrix24 blocks the method for a while (OPERATION_TIME_LIMIT, OVERLOAD_LIMIT,
   * METHOD_CONFIRM_WAITING): jobs wait until then without spending an attempt.
   */
  pausedUntil?: number

  constructor(code: ErrorCode, message: string, options: BitrixErrorOptions) {
    super(code, message, { cause: options.cause })
    this.name = 'BitrixError'
    this.bitrixCode = options.bitrixCode
    this.retryable = options.retryable
    if (options.httpStatus !== undefined) this.httpStatus = options.httpStatus
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
    if (options.pausedUntil !== undefined) this.pausedUntil = options.pausedUntil
  }
}

export function isBitrixError(err: unknown): err is BitrixError {
  return err instanceof BitrixError
}

export interface BitrixErrorContext {
  /** Portal domain, for the message. */
  portal?: string
  /** REST method, for the message. */
  method?: string
  retryAfterMs?: number
  /** When the portal lets this method run again (a pause), ms since the epoch. */
  pausedUntil?: number
}

interface Mapping {
  code: ErrorCode
  retryable: boolean
  advice: (where: string, method: string) => string
}

const rateLimited: Mapping = {
  code: ErrorCodes.BITRIX_RATE_LIMITED,
  retryable: true,
  advice: () =>
    "the bridge slows down and retries; if it keeps happening another app or server shares this portal's request budget (Bitrix24 counts per portal and source IP), or bitrix.rateLimit is set above the plan's (burst 50, 2/s; Enterprise 250, 5/s)",
}
const accessDenied: Mapping = {
  code: ErrorCodes.BITRIX_ACCESS_DENIED,
  retryable: false,
  advice: (where, method) =>
    `the user of ${where} may not call ${method}; use a webhook (or app user) that has that right`,
}

// Every code Bitrix24 documents for any method (REST docs error-codes.md, limits.md, scopes/confirmation.md)
// plus what the im and OAuth layers send; the HTTP status decides the rest.
const byBitrixCode: Record<string, Mapping> = {
  QUERY_LIMIT_EXCEEDED: rateLimited,
  OPERATION_TIME_LIMIT: {
    code: ErrorCodes.BITRIX_TIME_LIMITED,
    retryable: true,
    advice: (where, method) =>
      `${method} used up its server time on ${where} (Bitrix24 allows each method about 480 s of server time per 10 minutes per app or webhook); the bridge pauses ${method} until the portal's reset time and then resumes, without spending attempts; if it repeats, fewer or smaller batches help (pipeline.batchSize), or another integration shares the webhook`,
  },
  OVERLOAD_LIMIT: {
    code: ErrorCodes.BITRIX_OVERLOADED,
    retryable: false,
    advice: (where) =>
      `Bitrix24 blocked the REST API of ${where} by hand for overload; the bridge pauses every call to it for a long while and keeps the messages; contact Bitrix24 support to lift the block`,
  },
  METHOD_CONFIRM_WAITING: {
    code: ErrorCodes.BITRIX_CONFIRM_WAITING,
    retryable: false,
    advice: (where, method) =>
      `the administrator of ${where} must confirm the app's call of ${method} (Bitrix24 sent them a notification); the bridge pauses ${method} and tries again`,
  },
  ACCESS_DENIED: {
    code: ErrorCodes.BITRIX_ACCESS_DENIED,
    retryable: false,
    advice: (where, method) =>
      `${where} refused ${method}: the REST API needs a commercial plan, or the calling user lacks the right; check the plan, then the user's rights`,
  },
  ACCESS_ERROR: accessDenied,
  authorization_error: accessDenied,
  INVALID_CREDENTIALS: {
    code: ErrorCodes.BITRIX_ACCESS_DENIED,
    retryable: false,
    advice: (where, method) =>
      `the user behind the token or webhook of ${where} lacks the permissions ${method} needs; give that user the rights (or use a webhook of a user who has them) and replay the dead letters; other messages keep flowing`,
  },
  user_access_error: {
    code: ErrorCodes.BITRIX_ACCESS_DENIED,
    retryable: false,
    advice: (where) =>
      `the administrator of ${where} restricted the app to some users and the calling user is not one of them; add that user in the app's access settings`,
  },
  NO_AUTH_FOUND: {
    code: ErrorCodes.BITRIX_AUTH,
    retryable: false,
    advice: (where) =>
      `the webhook URL for ${where} was rejected; create a new incoming webhook with scopes im, imopenlines and set bitrix.portals[].webhookUrl of that portal`,
  },
  invalid_token: {
    code: ErrorCodes.BITRIX_AUTH,
    retryable: false,
    advice: (where) =>
      `the access token for ${where} was rejected; the bridge refreshes it once and retries (OAuth mode); with a webhook, replace the webhook`,
  },
  expired_token: {
    code: ErrorCodes.BITRIX_TOKEN_EXPIRED,
    retryable: false,
    advice: (where) =>
      `the access token for ${where} has expired; the bridge refreshes it once and retries (OAuth mode)`,
  },
  insufficient_scope: {
    code: ErrorCodes.BITRIX_SCOPE,
    retryable: false,
    advice: (where, method) =>
      `the webhook or app of ${where} lacks the scope for ${method}; add scopes im, imopenlines (and disk for files: public-link) to the webhook or the app`,
  },
  ERROR_BATCH_LENGTH_EXCEEDED: {
    code: ErrorCodes.BITRIX_BAD_REQUEST,
    retryable: false,
    advice: (where) =>
      `${where} refused a batch as too long (over 50 commands or too many parameters); lower pipeline.batchSize and report it as a bridge bug`,
  },
  ERROR_BATCH_METHOD_NOT_ALLOWED: {
    code: ErrorCodes.BITRIX_BAD_REQUEST,
    retryable: false,
    advice: (where, method) =>
      `${where} does not allow ${method} inside a batch; report it as a bridge bug with this message`,
  },
  PORTAL_DELETED: {
    code: ErrorCodes.BITRIX_PORTAL_DELETED,
    retryable: false,
    advice: (where) =>
      `${where} no longer exists (or its public part is closed); remove it from bitrix.portals`,
  },
}

/** Codes compared without case (the docs print METHOD_CONFIRM_WAITING, some portals send it lower-case). */
const byUpperCode = new Map(
  Object.entries(byBitrixCode).map(([code, mapping]) => [code.toUpperCase(), mapping]),
)

const unavailable: Mapping = {
  code: ErrorCodes.BITRIX_UNAVAILABLE,
  retryable: true,
  advice: (where) =>
    `${where} failed on its side; the bridge retries; check https://status.bitrix24.com if it lasts`,
}
const badRequest: Mapping = {
  code: ErrorCodes.BITRIX_BAD_REQUEST,
  retryable: false,
  advice: (where, method) =>
    `${where} refused the request ${method}; this is not retried — report it as a bridge bug with the error code`,
}

function mappingFor(status: number | undefined, bitrixCode: string | undefined): Mapping {
  const known =
    bitrixCode === undefined
      ? undefined
      : (byBitrixCode[bitrixCode] ?? byUpperCode.get(bitrixCode.toUpperCase()))
  if (known !== undefined) return known
  if (status === undefined || status < 400) return badRequest
  if (status === 429) return rateLimited
  if (status >= 500) return unavailable
  if (status === 401) return byBitrixCode.NO_AUTH_FOUND ?? badRequest
  if (status === 403) return accessDenied
  return badRequest
}

function readErrorBody(body: unknown): { error?: string; description?: string } {
  if (typeof body !== 'object' || body === null) return {}
  const record = body as Record<string, unknown>
  const out: { error?: string; description?: string } = {}
  if (typeof record.error === 'string' && record.error !== '') out.error = record.error
  if (typeof record.error_description === 'string') out.description = record.error_description
  return out
}

/**
 * Maps an error reply (`{error, error_description}`, or any body with an HTTP status) to a BitrixError.
 * `status` is undefined for per-command errors inside a `batch` reply (that one is always HTTP 200).
 */
export function bitrixErrorFrom(
  status: number | undefined,
  body: unknown,
  context: BitrixErrorContext = {},
): BitrixError {
  const { error, description } = readErrorBody(body)
  const bitrixCode = error ?? `HTTP_${status ?? 0}`
  const mapping = mappingFor(status, error)
  const where = context.portal === undefined ? 'the portal' : `portal ${context.portal}`
  const method = context.method ?? 'this method'
  const said = description === undefined || description === '' ? bitrixCode : `${bitrixCode}: ${description}`
  const message = `${where} answered ${status === undefined ? '' : `HTTP ${status} `}${said} to ${method}; ${mapping.advice(where, method)}`
  const options: BitrixErrorOptions = { bitrixCode, retryable: mapping.retryable }
  if (status !== undefined) options.httpStatus = status
  if (context.retryAfterMs !== undefined) options.retryAfterMs = context.retryAfterMs
  if (context.pausedUntil !== undefined) options.pausedUntil = context.pausedUntil
  return new BitrixError(mapping.code, message, options)
}

/** The bridge keeps a paused method (or portal) from being called before the pause ends. */
export function bitrixPaused(portal: string, method: string, until: number, reason: string): BitrixError {
  const at = new Date(until).toISOString()
  return bitrixErrorFrom(
    undefined,
    { error: reason, error_description: `paused by the bridge until ${at}` },
    { portal, method, pausedUntil: until },
  )
}

/** No answer within the timeout: retryable. */
export function bitrixTimeout(
  portal: string,
  method: string,
  timeoutMs: number,
  cause?: unknown,
): BitrixError {
  return new BitrixError(
    ErrorCodes.BITRIX_TIMEOUT,
    `portal ${portal} did not answer ${method} within ${timeoutMs} ms; the bridge retries; raise bitrix.timeoutMs if the portal is slow`,
    { bitrixCode: 'TIMEOUT', retryable: true, cause },
  )
}

/**
 * No connection to the portal's host within `bitrix.connectTimeoutMs` (a dead host, a firewall
 * dropping packets): nothing was sent, so retrying cannot run anything twice.
 */
export function bitrixConnectTimeout(
  portal: string,
  method: string,
  cause: ConnectTimeoutError,
): BitrixError {
  const where =
    cause.host.toLowerCase() === portal.toLowerCase() ? portal : `${cause.host} (portal ${portal})`
  return new BitrixError(
    ErrorCodes.BITRIX_CONNECT_TIMEOUT,
    `could not connect to ${where} for ${method} within ${cause.timeoutMs} ms (bitrix.connectTimeoutMs); nothing was sent and the bridge retries; check that the host resolves and is reachable from this server (DNS, firewall, proxy), or raise bitrix.connectTimeoutMs if connecting is only slow`,
    { bitrixCode: 'CONNECT_TIMEOUT', retryable: true, cause },
  )
}

/** DNS, TLS, refused or reset connection: retryable. */
export function bitrixNetworkError(portal: string, method: string, cause: unknown): BitrixError {
  const reason =
    cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : ''
  return new BitrixError(
    ErrorCodes.BITRIX_UNAVAILABLE,
    `could not reach portal ${portal} for ${method} (${reason}); the bridge retries; check DNS, network and proxy settings`,
    { bitrixCode: 'NETWORK', retryable: true, cause },
  )
}

/** A reply that is not the JSON Bitrix24 sends (a proxy's HTML page, a truncated body). */
export function bitrixBadReply(portal: string, method: string, what: string, status?: number): BitrixError {
  const options: BitrixErrorOptions = { bitrixCode: 'BAD_REPLY', retryable: true }
  if (status !== undefined) options.httpStatus = status
  return new BitrixError(
    ErrorCodes.BITRIX_BAD_REPLY,
    `portal ${portal} sent an unexpected reply to ${method}: ${what}; the bridge retries; check for a proxy in between`,
    options,
  )
}
