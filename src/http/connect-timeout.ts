import { Agent } from 'undici'

/**
 * No TCP (and TLS) connection to `host` within `timeoutMs`: nothing was sent, so the same request
 * may simply be tried again. Callers turn it into their own coded error naming their option.
 * Deliberately not a BridgeError: callers treat those as final answers.
 */
export class ConnectTimeoutError extends Error {
  readonly host: string
  readonly timeoutMs: number

  constructor(host: string, timeoutMs: number, cause: unknown) {
    super(`could not connect to ${host} within ${timeoutMs} ms`, { cause })
    this.name = 'ConnectTimeoutError'
    this.host = host
    this.timeoutMs = timeoutMs
  }
}

export function isConnectTimeout(err: unknown): err is ConnectTimeoutError {
  return err instanceof ConnectTimeoutError
}

export interface ConnectTimedFetch {
  fetch: typeof fetch
  /** Closes the pooled connections (app shutdown). */
  close(): Promise<void>
}

// undici's code for its connect timer firing (lib/core/errors.js ConnectTimeoutError).
const undiciConnectTimeout = 'UND_ERR_CONNECT_TIMEOUT'

function hasConnectTimeoutCause(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === undiciConnectTimeout) return true
    e = e.cause
  }
  return false
}

function hostOf(input: string | URL | Request): string {
  try {
    return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).host
  } catch {
    return 'the server'
  }
}

/**
 * A fetch whose connections must be up (DNS lookup, TCP connect and TLS handshake) within
 * `timeoutMs`, whatever the request's own timeout: a batch may wait 60 s for its reply, but a host
 * that drops SYNs is known dead after a few seconds. Node's fetch has no such option; an undici
 * Agent passed as `dispatcher` does (`connect.timeout`). undici 7 Agents work with the fetch built
 * into Node 20 to 24 (undici 6/7 handlers) and 26 (undici 8). Without it Node uses undici's
 * default of 10 s and reports a bare "fetch failed".
 */
export function withConnectTimeout(fetchFn: typeof fetch, timeoutMs: number): ConnectTimedFetch {
  const agent = new Agent({ connect: { timeout: timeoutMs } })
  const timed: typeof fetch = async (input, init) => {
    try {
      // Node's RequestInit types `dispatcher` with the undici-types it bundles, not this package's.
      const withAgent: RequestInit = {
        ...init,
        dispatcher: agent as unknown as NonNullable<RequestInit['dispatcher']>,
      }
      return await fetchFn(input, withAgent)
    } catch (err) {
      if (hasConnectTimeoutCause(err)) throw new ConnectTimeoutError(hostOf(input), timeoutMs, err)
      throw err
    }
  }
  return { fetch: timed, close: () => agent.close() }
}
