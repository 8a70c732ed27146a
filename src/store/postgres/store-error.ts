import { BridgeError, ErrorCodes, errorMessage, isBridgeError } from '../../errors.js'

/**
 * SQLSTATE classes that mean "the database cannot take this right now" rather than a bug:
 * connection exceptions (08), insufficient resources (53), operator intervention (57: shutdown,
 * cannot connect now), system errors (58), serialization failures and deadlocks (40). The receiver
 * answers 503 for them so Bitrix24 (which never retries) at least sees a failure.
 */
const unavailableClass = /^(08|53|57|58|40)/
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'])

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function isUnavailable(err: unknown): boolean {
  const code = codeOf(err)
  if (
    code !== undefined &&
    (socketCodes.has(code) || (/^[0-9A-Z]{5}$/.test(code) && unavailableClass.test(code)))
  ) {
    return true
  }
  const message = errorMessage(err)
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  )
}

/** The one boundary where pg errors become BridgeErrors (cause kept). */
export function toStoreError(err: unknown, operation: string, where: string): BridgeError {
  if (isBridgeError(err)) return err
  if (isUnavailable(err)) {
    return new BridgeError(
      ErrorCodes.STORE_UNAVAILABLE,
      `Postgres store ${operation} failed (${codeOf(err) ?? 'connection'}: ${errorMessage(err)}); check that ` +
        `the database at ${where} is up and reachable and has free connections (max_connections, storage.poolSize)`,
      { cause: err },
    )
  }
  return new BridgeError(ErrorCodes.INTERNAL, `Postgres store ${operation} failed: ${errorMessage(err)}`, {
    kind: 'bug',
    cause: err,
  })
}

export function closedError(operation: string): BridgeError {
  return new BridgeError(ErrorCodes.STORE_UNAVAILABLE, `Postgres store ${operation} called after close()`)
}
