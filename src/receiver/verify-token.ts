import { timingSafeEqual } from 'node:crypto'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { PortalRecord } from '../bitrix/types.js'
import { BridgeError, type ErrorCode, ErrorCodes } from '../errors.js'
import { clipText } from './clip-text.js'
import type { EventAuth } from './event-schema.js'

export type TokenCheck =
  | { ok: true; portal: PortalRecord }
  | { ok: false; code: ErrorCode; reason: string; message: string }

/**
 * Bitrix24 signs nothing: `auth.application_token`, stored per portal, is the only proof an event
 * is genuine (BITRIX24.md §2). Pure apart from the directory lookup; never logs or returns a token.
 */
export function verifyToken(portals: PortalDirectory, auth: EventAuth): TokenCheck {
  const portal = portals.find(auth.memberId, auth.domain)
  if (portal === undefined) {
    return {
      ok: false,
      code: ErrorCodes.AUTH_UNKNOWN_PORTAL,
      reason: 'unknown portal',
      message: `No portal is configured for member_id ${clipText(auth.memberId)} (domain ${clipText(auth.domain)}); add it to bitrix.portals or install the app on it.`,
    }
  }
  if (auth.applicationToken === undefined) {
    return {
      ok: false,
      code: ErrorCodes.AUTH_TOKEN_MISSING,
      reason: 'no application_token in the event',
      message:
        'The event carries no auth.application_token; only events Bitrix24 sends to this app are accepted.',
    }
  }
  if (portal.applicationToken === undefined || !tokensEqual(auth.applicationToken, portal.applicationToken)) {
    return {
      ok: false,
      code: ErrorCodes.AUTH_TOKEN_MISMATCH,
      reason:
        portal.applicationToken === undefined ? 'no application token stored' : 'application_token mismatch',
      message: `application_token does not match the one stored for portal ${portal.domain}; reinstall the app or set bitrix.portals[].applicationToken.`,
    }
  }
  return { ok: true, portal }
}

/** Constant-time string equality; the length check first is what timingSafeEqual requires. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

export function tokenError(check: Extract<TokenCheck, { ok: false }>): BridgeError {
  return new BridgeError(check.code, check.message)
}
