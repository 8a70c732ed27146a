import { errorMessage, isBridgeError } from '../errors.js'
import { isConnectTimeout } from '../http/connect-timeout.js'
import { readCappedText, replyTooLarge } from '../http/read-capped-reply.js'
import { encodeForm } from './encode-form.js'

/** The OAuth server's reply to `grant_type=refresh_token` (oauth.token.ok.json, b24phpsdk RenewedAuthToken). */
export interface GrantReply {
  access_token?: unknown
  refresh_token?: unknown
  expires?: unknown
  expires_in?: unknown
  scope?: unknown
  /** The portal the tokens are for: its stable id. */
  member_id?: unknown
  /** The portal's REST base, `https://<portal>/rest/`. */
  client_endpoint?: unknown
  server_endpoint?: unknown
  /** The OAuth server's own host (`oauth.bitrix.info`), NOT the portal's domain. */
  domain?: unknown
  status?: unknown
  error?: unknown
  error_description?: unknown
}

export interface GrantOptions {
  /** `bitrix.app.oauthServer`: the only place the client secret and refresh tokens are sent. */
  oauthServer: string
  clientId: string
  clientSecret: string
  fetch: typeof fetch
  timeoutMs: number
  maxReplyBytes: number
}

export type GrantOutcome =
  | { answered: true; status: number; reply: GrantReply }
  /** No usable answer (network, timeout, redirect, over the size cap); `retryable` says if later may work. */
  | { answered: false; reason: string; retryable: boolean; cause?: unknown }

/**
 * Exchanges a refresh token at the configured OAuth server (BITRIX24.md §4). Bitrix24 refresh
 * tokens are single-use: on success the caller must keep the NEW pair from the reply. A redirect is
 * never followed (the secret would go with it).
 */
export async function exchangeRefreshToken(
  options: GrantOptions,
  refreshToken: string,
): Promise<GrantOutcome> {
  const url = new URL('/oauth/token/', options.oauthServer).href
  const body = encodeForm({
    grant_type: 'refresh_token',
    client_id: options.clientId,
    client_secret: options.clientSecret,
    refresh_token: refreshToken,
  })
  try {
    const response = await options.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel()
      return {
        answered: false,
        reason: `the OAuth server answered a redirect (HTTP ${response.status}), not followed`,
        retryable: false,
      }
    }
    const text = await readCappedText(response, options.maxReplyBytes, () =>
      replyTooLarge('the OAuth server', options.maxReplyBytes),
    )
    let reply: GrantReply = {}
    try {
      const parsed: unknown = JSON.parse(text)
      if (typeof parsed === 'object' && parsed !== null) reply = parsed as GrantReply
    } catch {
      // Not JSON: judged by its status below.
    }
    return { answered: true, status: response.status, reply }
  } catch (err) {
    if (isBridgeError(err)) return { answered: false, reason: err.message, retryable: false, cause: err }
    if (isConnectTimeout(err)) {
      return {
        answered: false,
        reason: `could not connect to the OAuth server ${err.host} within ${err.timeoutMs} ms (bitrix.connectTimeoutMs; nothing was sent); check that it is reachable from this server, or raise bitrix.connectTimeoutMs if connecting is only slow`,
        retryable: true,
        cause: err,
      }
    }
    return {
      answered: false,
      reason: `the OAuth server did not answer (${errorMessage(err)})`,
      retryable: true,
      cause: err,
    }
  }
}
