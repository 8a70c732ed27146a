/**
 * convict format checks for core settings. Each throws an Error whose message completes
 * "<path>: ..." — convict prefixes the path and appends the value.
 */
export type FormatCheck = (value: unknown) => void

export function integer(min: number, max?: number): FormatCheck {
  return (value) => {
    const ok =
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= min &&
      (max === undefined || value <= max)
    if (!ok)
      throw new Error(
        max === undefined ? `must be an integer ≥ ${min}` : `must be an integer from ${min} to ${max}`,
      )
  }
}

export function positiveNumber(value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error('must be a number > 0')
  }
}

export function oneOf(values: readonly string[]): FormatCheck {
  return (value) => {
    if (typeof value !== 'string' || !values.includes(value))
      throw new Error(`must be one of: ${values.join(', ')}`)
  }
}

export function nonEmptyString(value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') throw new Error('must be a non-empty string')
}

export function anyString(value: unknown): void {
  if (typeof value !== 'string') throw new Error('must be a string')
}

export function urlPath(value: unknown): void {
  if (typeof value !== 'string' || !value.startsWith('/'))
    throw new Error('must be a URL path starting with "/"')
}

export function boolean(value: unknown): void {
  if (typeof value !== 'boolean') throw new Error('must be true or false')
}

export function stringList(pattern?: RegExp, hint?: string): FormatCheck {
  return (value) => {
    const ok =
      Array.isArray(value) &&
      value.every(
        (item) => typeof item === 'string' && item !== '' && (pattern === undefined || pattern.test(item)),
      )
    if (!ok) throw new Error(`must be a list of ${hint ?? 'non-empty strings'}`)
  }
}

/** Items are checked one by one after convict (validate-portals.ts); convict only sees the list. */
export function list(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list')
}

/** `true`, `false`, or `null` (not set: the default depends on other settings). */
export function optionalBoolean(value: unknown): void {
  if (value !== null && typeof value !== 'boolean') throw new Error('must be true or false')
}

/** An http(s) origin such as `https://oauth.bitrix.info` (no path, query or credentials). */
export function httpOrigin(value: unknown): void {
  let url: URL | undefined
  try {
    url = typeof value === 'string' ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  const ok =
    url !== undefined &&
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    (url.pathname === '/' || url.pathname === '') &&
    url.search === '' &&
    url.username === '' &&
    url.password === ''
  if (!ok) throw new Error('must be an http(s) origin such as https://oauth.bitrix.info (no path)')
}

const hostPattern = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i

/** Host patterns for `bitrix.allowedHosts`: `*.bitrix24.com`, `oauth.bitrix.info`, `127.0.0.1:8081`. */
export function hostPatternList(value: unknown): void {
  const ok = Array.isArray(value) && value.every((item) => typeof item === 'string' && hostPattern.test(item))
  if (!ok) throw new Error('must be a list of host names: host, host:port or *.domain (no scheme, no path)')
}
