import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { PortalRecord } from '../bitrix/types.js'
import { BridgeError, type ErrorCode, ErrorCodes } from '../errors.js'
import type { EventAuth } from './event-schema.js'

export type TokenCheck =
  | { ok: true; portal: PortalRecord }
  | { ok: false; code: ErrorCode; reason: string; message: string }

/**
 * What a stranger is told when the portal is unknown or the token differs: one answer for both, so
 * a 401 never says whether a member_id or domain is served here (nor which portal it belongs to).
 * The log line's `reason` tells the operator which one it was.
 */
const noMatch = (reason: string): TokenCheck => ({
  ok: false,
  code: ErrorCodes.AUTH_TOKEN_MISMATCH,
  reason,
  message:
    'application_token matches no portal served by this bridge (the answer does not say whether the member_id or domain is known); set bitrix.portals[].applicationToken, add the portal there, or install the app on it — the bridge log says which check failed.',
})

/**
 * Bitrix24 signs nothing: `auth.application_token`, stored per portal, is the only proof an event
 * is genuine (BITRIX24.md §2). Pure apart from the directory lookup; never logs or returns a token.
 */
export function verifyToken(portals: PortalDirectory, auth: EventAuth): TokenCheck {
  // Decided from the event alone, before any lookup: the answer says nothing about the portal.
  if (auth.applicationToken === undefined) {
    return {
      ok: false,
      code: ErrorCodes.AUTH_TOKEN_MISSING,
      reason: 'no application_token in the event',
      message:
        'The event carries no auth.application_token; only events Bitrix24 sends to this app are accepted.',
    }
  }
  const portal = portals.find(auth.memberId, auth.domain)
  if (portal === undefined) return noMatch('unknown portal')
  if (portal.applicationToken === undefined) return noMatch('no application token stored')
  if (!tokensEqual(auth.applicationToken, portal.applicationToken))
    return noMatch('application_token mismatch')
  return { ok: true, portal }
}

// A per-process key: digests of tokens are never stored or shown, only compared.
const digestKey = randomBytes(32)

function digest(token: string): Buffer {
  return createHmac('sha256', digestKey).update(token, 'utf8').digest()
}

/**
 * Constant-time string equality that leaks neither content nor length: both sides are reduced to
 * 32-byte HMAC-SHA-256 digests first, so timingSafeEqual always compares equal-length buffers and
 * there is no early exit on a length difference.
 */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected))
}

export function tokenError(check: Extract<TokenCheck, { ok: false }>): BridgeError {
  return new BridgeError(check.code, check.message)
}
