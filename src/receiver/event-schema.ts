import { BridgeError, ErrorCodes } from '../errors.js'

/**
 * Hand-written guards for the event body, validating and coercing in one pass. Bitrix24 sends every
 * scalar as a string (form body); relays and tests send JSON numbers. Guards read own, known keys
 * only, so stray keys (`__proto__`, `constructor`) are never looked at.
 */

/** One thing wrong with the body: where, and what (for the error message). */
export interface Problem {
  path: string
  message: string
}

/** `auth` as the receiver needs it. Secrets stay in here and never reach a log line. */
export interface EventAuth {
  memberId: string
  domain: string
  applicationToken?: string
  /** The acting user's token; absent when a robot or business process caused the event. */
  accessToken?: string
  clientEndpoint?: string
  /** Install and update events: what the app stores per portal (OAuth mode). */
  serverEndpoint?: string
  refreshToken?: string
  /** `expires` (unix seconds) of the access token. */
  expires?: number
  expiresIn?: number
  scope?: string
}

/** The part of a body every event type shares. */
export interface EventEnvelope {
  /** `event`, upper-cased (Bitrix24 sends upper case; relays may not). */
  type: string
  /** `event_handler_id` (real bodies) or `eventId` (the doc page); neither is required. */
  handlerId?: string
  /** `ts`, seconds. */
  ts: number
  auth: EventAuth
  /** Type-specific; each event handler validates its own. */
  data: unknown
}

export type Obj = Record<string, unknown>

// Up to 15 digits stays below Number.MAX_SAFE_INTEGER.
const DIGITS = /^\d{1,15}$/

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A non-negative integer from a number or a decimal string; undefined when it is neither. */
export function toInteger(value: unknown): number | undefined {
  if (typeof value === 'string') return DIGITS.test(value) ? Number(value) : undefined
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  return undefined
}

/** An id: a positive integer (Bitrix ids start at 1). */
export function readId(obj: Obj, key: string, path: string, problems: Problem[]): number {
  const id = toInteger(obj[key])
  if (id !== undefined && id > 0) return id
  problems.push({ path: join(path, key), message: 'must be a positive integer' })
  return 0
}

/** A non-empty string, or undefined when absent; a present value of another type is a problem. */
export function readOptionalString(
  obj: Obj,
  key: string,
  path: string,
  problems: Problem[],
): string | undefined {
  const value = obj[key]
  if (value === undefined || value === '') return undefined
  if (typeof value === 'string') return value
  problems.push({ path: join(path, key), message: 'must be a string' })
  return undefined
}

export function readString(obj: Obj, key: string, path: string, problems: Problem[]): string {
  const value = obj[key]
  if (typeof value === 'string' && value !== '') return value
  problems.push({ path: join(path, key), message: 'must be a non-empty string' })
  return ''
}

/** A connector-side id: kept as a string whatever it came as; anything else is dropped (a hint only). */
export function toExternalId(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** The answer to a body that fails a guard; `details` lists each problem path once. */
export function invalidBody(problems: readonly Problem[]): BridgeError {
  const paths = [...new Set(problems.map((p) => p.path))]
  const first = problems[0]
  const more = paths.length > 1 ? ` (and ${paths.length - 1} more)` : ''
  const what = first === undefined ? 'body is not an object' : `${first.path} ${first.message}${more}`
  return new BridgeError(
    ErrorCodes.BODY_INVALID,
    `Event body is invalid: ${what}. Send the body as Bitrix24 sends it (see docs/errors.md).`,
    { details: paths },
  )
}

/** Validates the shared envelope; throws BRG_ERR_BODY_INVALID with every problem path. */
export function readEnvelope(body: unknown): EventEnvelope {
  if (!isObject(body)) throw invalidBody([{ path: 'body', message: 'must be an object' }])
  const problems: Problem[] = []
  const type = readString(body, 'event', '', problems)
  const ts = toInteger(body.ts)
  if (ts === undefined) problems.push({ path: 'ts', message: 'must be a non-negative integer (seconds)' })
  const rawAuth = body.auth
  let auth: EventAuth = { memberId: '', domain: '' }
  if (isObject(rawAuth)) auth = readAuth(rawAuth, problems)
  else problems.push({ path: 'auth', message: 'must be an object' })
  if (problems.length > 0) throw invalidBody(problems)

  const envelope: EventEnvelope = { type: type.toUpperCase(), ts: ts as number, auth, data: body.data }
  const handlerId = toExternalId(body.event_handler_id) ?? toExternalId(body.eventId)
  if (handlerId !== undefined) envelope.handlerId = handlerId
  return envelope
}

function readAuth(raw: Obj, problems: Problem[]): EventAuth {
  const auth: EventAuth = {
    memberId: readString(raw, 'member_id', 'auth', problems),
    domain: readString(raw, 'domain', 'auth', problems),
  }
  const applicationToken = readOptionalString(raw, 'application_token', 'auth', problems)
  if (applicationToken !== undefined) auth.applicationToken = applicationToken
  const accessToken = readOptionalString(raw, 'access_token', 'auth', problems)
  if (accessToken !== undefined) auth.accessToken = accessToken
  const clientEndpoint = readOptionalString(raw, 'client_endpoint', 'auth', problems)
  if (clientEndpoint !== undefined) auth.clientEndpoint = clientEndpoint
  // Present on most events, but only install and update use them: read without judging the rest.
  if (typeof raw.refresh_token === 'string' && raw.refresh_token !== '') auth.refreshToken = raw.refresh_token
  if (typeof raw.server_endpoint === 'string' && raw.server_endpoint !== '')
    auth.serverEndpoint = raw.server_endpoint
  if (typeof raw.scope === 'string') auth.scope = raw.scope
  const expires = toInteger(raw.expires)
  if (expires !== undefined) auth.expires = expires
  const expiresIn = toInteger(raw.expires_in)
  if (expiresIn !== undefined) auth.expiresIn = expiresIn
  return auth
}

/** `data.DATA[0].im` + `chat_id`; top-level keys stay bare (`event`, not `.event`). */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}
