/**
 * Every error the bridge raises on purpose is a BridgeError with a stable code. The codes are
 * documented in docs/errors.md; tests and operators match on the code, never on the message.
 */
export type ErrorKind = 'config' | 'operational' | 'bug'

export const ErrorCodes = {
  // configuration (exit code 2 at boot)
  CONFIG_NOT_FOUND: 'BRG_ERR_CONFIG_NOT_FOUND',
  CONFIG_PARSE: 'BRG_ERR_CONFIG_PARSE',
  CONFIG_ENV_MISSING: 'BRG_ERR_CONFIG_ENV_MISSING',
  CONFIG_INVALID: 'BRG_ERR_CONFIG_INVALID',
  PLUGIN_LOAD: 'BRG_ERR_PLUGIN_LOAD',
  PLUGIN_INVALID: 'BRG_ERR_PLUGIN_INVALID',
  // receiver (HTTP answers)
  BODY_UNSUPPORTED_TYPE: 'BRG_ERR_BODY_UNSUPPORTED_TYPE',
  BODY_PARSE: 'BRG_ERR_BODY_PARSE',
  BODY_INVALID: 'BRG_ERR_BODY_INVALID',
  BODY_TOO_LARGE: 'BRG_ERR_BODY_TOO_LARGE',
  AUTH_UNKNOWN_PORTAL: 'BRG_ERR_AUTH_UNKNOWN_PORTAL',
  AUTH_TOKEN_MISMATCH: 'BRG_ERR_AUTH_TOKEN_MISMATCH',
  AUTH_TOKEN_MISSING: 'BRG_ERR_AUTH_TOKEN_MISSING',
  STORE_UNAVAILABLE: 'BRG_ERR_STORE_UNAVAILABLE',
  PORTAL_QUEUE_FULL: 'BRG_ERR_PORTAL_QUEUE_FULL',
  NOT_FOUND: 'BRG_ERR_NOT_FOUND',
  // Bitrix24 REST
  BITRIX_RATE_LIMITED: 'BRG_ERR_BITRIX_RATE_LIMITED',
  BITRIX_UNAVAILABLE: 'BRG_ERR_BITRIX_UNAVAILABLE',
  BITRIX_TIMEOUT: 'BRG_ERR_BITRIX_TIMEOUT',
  BITRIX_CONNECT_TIMEOUT: 'BRG_ERR_BITRIX_CONNECT_TIMEOUT',
  BITRIX_AUTH: 'BRG_ERR_BITRIX_AUTH',
  BITRIX_TOKEN_EXPIRED: 'BRG_ERR_BITRIX_TOKEN_EXPIRED',
  BITRIX_ACCESS_DENIED: 'BRG_ERR_BITRIX_ACCESS_DENIED',
  BITRIX_SCOPE: 'BRG_ERR_BITRIX_SCOPE',
  BITRIX_BAD_REQUEST: 'BRG_ERR_BITRIX_BAD_REQUEST',
  BITRIX_PORTAL_DELETED: 'BRG_ERR_BITRIX_PORTAL_DELETED',
  BITRIX_REDIRECT: 'BRG_ERR_BITRIX_REDIRECT',
  BITRIX_BAD_REPLY: 'BRG_ERR_BITRIX_BAD_REPLY',
  BITRIX_NO_READ_ACCESS: 'BRG_ERR_BITRIX_NO_READ_ACCESS',
  BITRIX_NOT_CONFIGURED: 'BRG_ERR_BITRIX_NOT_CONFIGURED',
  BITRIX_TIME_LIMITED: 'BRG_ERR_BITRIX_TIME_LIMITED',
  BITRIX_OVERLOADED: 'BRG_ERR_BITRIX_OVERLOADED',
  BITRIX_CONFIRM_WAITING: 'BRG_ERR_BITRIX_CONFIRM_WAITING',
  BITRIX_NO_PUBLIC_LINK: 'BRG_ERR_BITRIX_NO_PUBLIC_LINK',
  // pipeline and outputs
  MESSAGE_DELETED: 'BRG_ERR_MESSAGE_DELETED',
  OUTPUT_RATE_LIMITED: 'BRG_ERR_OUTPUT_RATE_LIMITED',
  OUTPUT_TRANSIENT: 'BRG_ERR_OUTPUT_TRANSIENT',
  OUTPUT_GONE: 'BRG_ERR_OUTPUT_GONE',
  OUTPUT_AUTH: 'BRG_ERR_OUTPUT_AUTH',
  OUTPUT_INVALID: 'BRG_ERR_OUTPUT_INVALID',
  OUTPUT_UNKNOWN: 'BRG_ERR_OUTPUT_UNKNOWN',
  OUTPUT_START: 'BRG_ERR_OUTPUT_START',
  JOB_EXPIRED: 'BRG_ERR_JOB_EXPIRED',
  JOB_ATTEMPTS_EXHAUSTED: 'BRG_ERR_JOB_ATTEMPTS_EXHAUSTED',
  INTERNAL: 'BRG_ERR_INTERNAL',
  // app lifecycle, OAuth mode, SSRF guard, secrets at rest
  AUTH_ENDPOINT_NOT_ALLOWED: 'BRG_ERR_AUTH_ENDPOINT_NOT_ALLOWED',
  AUTH_INSTALL_REFUSED: 'BRG_ERR_AUTH_INSTALL_REFUSED',
  BITRIX_NEEDS_REINSTALL: 'BRG_ERR_BITRIX_NEEDS_REINSTALL',
  BITRIX_HOST_NOT_ALLOWED: 'BRG_ERR_BITRIX_HOST_NOT_ALLOWED',
  BITRIX_OAUTH: 'BRG_ERR_BITRIX_OAUTH',
  BIND_NEEDS_APP: 'BRG_ERR_BIND_NEEDS_APP',
  PORTAL_NOT_FOUND: 'BRG_ERR_PORTAL_NOT_FOUND',
  STORE_SECRET: 'BRG_ERR_STORE_SECRET',
  // every outbound call (Bitrix24 REST, OAuth server, outputs)
  REPLY_TOO_LARGE: 'BRG_ERR_REPLY_TOO_LARGE',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

export interface BridgeErrorOptions {
  kind?: ErrorKind
  cause?: unknown
  /** Structured, secret-free details (e.g. the list of config problems). */
  details?: unknown
}

// Marks BridgeErrors made by any copy of this package: a plugin installed in its own folder imports
// `openline-bridge/plugin` from its own node_modules, so its classes are not ours and `instanceof`
// alone would miss them. `Symbol.for` is shared across copies in one process.
const bridgeErrorBrand = Symbol.for('openline-bridge.BridgeError')

/** True when `value` carries the brand `brand` (set by a constructor of any copy of the package). */
export function hasErrorBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

export class BridgeError extends Error {
  readonly code: ErrorCode
  readonly kind: ErrorKind
  readonly details: unknown
  readonly [bridgeErrorBrand] = true

  constructor(code: ErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'BridgeError'
    this.code = code
    this.kind = options.kind ?? 'operational'
    this.details = options.details
  }
}

export function isBridgeError(err: unknown): err is BridgeError {
  return err instanceof BridgeError || hasErrorBrand(err, bridgeErrorBrand)
}

/**
 * `BRG_ERR_…: message` for a BridgeError, the plain message otherwise: what dead-letter reasons, the
 * delivery log and failure log lines carry, so `replay --reason BRG_ERR_OUTPUT_AUTH` finds them.
 */
export function codedMessage(err: unknown): string {
  return isBridgeError(err) ? `${err.code}: ${err.message}` : errorMessage(err)
}

/** Message of anything thrown, without a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
