import { OutputError } from '../../src/plugins/api.js'

/** `Retry-After` (delta seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * The OutputError for a non-2xx reply. `replacing` is true for update/delete, where 404/410 means the
 * receiver no longer knows the mirror; on create the same answer means the URL is wrong.
 */
export function errorForStatus(
  status: number,
  where: string,
  replacing: boolean,
  retryAfter: string | null,
  snippet: string,
): OutputError {
  const said = `webhook ${where} answered ${status}${snippet ? `: ${snippet}` : ''}`
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter)
    return new OutputError(
      'rate-limited',
      `${said}; will retry later`,
      retryAfterMs === undefined ? {} : { retryAfterMs },
    )
  }
  if (status >= 500 || status === 408) return new OutputError('transient', `${said}; will retry`)
  if (status === 401 || status === 403) {
    return new OutputError('auth', `${said}; check the secret and headers configured for this output`)
  }
  if (replacing && (status === 404 || status === 410)) {
    return new OutputError('gone', `${said}; the receiver no longer knows this message`)
  }
  if (status >= 300 && status < 400) {
    return new OutputError('invalid', `${said} (redirect); set url to the final address`)
  }
  return new OutputError('invalid', `${said}; the receiver rejected the request, fix the receiver or the url`)
}
