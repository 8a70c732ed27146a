import { BridgeError, type ErrorCode, ErrorCodes } from '../errors.js'

export interface BitrixErrorOptions {
  /** Bitrix24's own error string (`QUERY_LIMIT_EXCEEDED`), or `HTTP_<status>`, `TIMEOUT`, `NETWORK`. */
  bitrixCode: string
  httpStatus?: number
  retryable: boolean
  retryAfterMs?: number
  cause?: unknown
}

/** A failed Bitrix24 REST call. `retryable` says whether the same call may succeed later. */
export class BitrixError extends BridgeError {
  readonly bitrixCode: string
  readonly httpStatus?: number
  readonly retryable: boolean
  readonly retryAfterMs?: number

  constructor(code: ErrorCode, message: string, options: BitrixErrorOptions) {
    super(code, message, { cause: options.cause })
    this.name = 'BitrixError'
    this.bitrixCode = options.bitrixCode
    this.retryable = options.retryable
    if (options.httpStatus !== undefined) this.httpStatus = options.httpStatus
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
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
}

interface Mapping {
  code: ErrorCode
  retryable: boolean
  advice: (where: string, method: string) => string
}

const rateLimited: Mapping = {
  code: ErrorCodes.BITRIX_RATE_LIMITED,
  retryable: true,
  advice: () => 'the bridge slows down and retries; lower bitrix.rateLimit if this keeps happening',
}
const accessDenied: Mapping = {
  code: ErrorCodes.BITRIX_ACCESS_DENIED,
  retryable: false,
  advice: (where, method) =>
    `the webhook user of ${where} may not call ${method}; use a webhook of a user who has that right`,
}

// Codes from BITRIX24.md §4 and the REST docs' error page; the HTTP status decides the rest.
const byBitrixCode: Record<string, Mapping> = {
  QUERY_LIMIT_EXCEEDED: rateLimited,
  OPERATION_TIME_LIMIT: rateLimited,
  ACCESS_DENIED: accessDenied,
  ACCESS_ERROR: accessDenied,
  authorization_error: accessDenied,
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
      `the credentials for ${where} were rejected; re-install the app or replace the webhook`,
  },
  expired_token: {
    code: ErrorCodes.BITRIX_TOKEN_EXPIRED,
    retryable: false,
    advice: (where) => `the access token for ${where} has expired; it must be refreshed (OAuth mode)`,
  },
  insufficient_scope: {
    code: ErrorCodes.BITRIX_SCOPE,
    retryable: false,
    advice: (where, method) =>
      `the webhook of ${where} lacks the scope for ${method}; edit the incoming webhook and add scopes im, imopenlines`,
  },
  PORTAL_DELETED: {
    code: ErrorCodes.BITRIX_PORTAL_DELETED,
    retryable: false,
    advice: (where) => `${where} no longer exists; remove it from bitrix.portals`,
  },
}

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
  const known = bitrixCode === undefined ? undefined : byBitrixCode[bitrixCode]
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
  return new BitrixError(mapping.code, message, options)
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
