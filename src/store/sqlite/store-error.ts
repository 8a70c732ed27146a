import { BridgeError, ErrorCodes, errorMessage, isBridgeError } from '../../errors.js'

/**
 * SQLite result codes that mean "the disk or file cannot take writes right now" rather than a bug:
 * the receiver answers 503 for them so Bitrix24 (which never retries) at least sees a failure.
 */
const unavailable =
  /^SQLITE_(FULL|READONLY|IOERR|BUSY|LOCKED|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|NOMEM|PERM|AUTH)/

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

/** The one boundary where better-sqlite3 errors become BridgeErrors (cause kept). */
export function toStoreError(err: unknown, operation: string, path: string): BridgeError {
  if (isBridgeError(err)) return err
  const code = sqliteCode(err)
  if (code !== undefined && unavailable.test(code)) {
    return new BridgeError(
      ErrorCodes.STORE_UNAVAILABLE,
      `SQLite store ${operation} failed (${code}: ${errorMessage(err)}); check free disk space and that ` +
        `${path} and its directory are writable`,
      { cause: err },
    )
  }
  if (err instanceof TypeError && /not open/.test(err.message)) {
    return new BridgeError(ErrorCodes.STORE_UNAVAILABLE, `SQLite store ${operation} called after close()`, {
      cause: err,
    })
  }
  return new BridgeError(ErrorCodes.INTERNAL, `SQLite store ${operation} failed: ${errorMessage(err)}`, {
    kind: 'bug',
    cause: err,
  })
}

export function closedError(operation: string): BridgeError {
  return new BridgeError(ErrorCodes.STORE_UNAVAILABLE, `SQLite store ${operation} called after close()`)
}
