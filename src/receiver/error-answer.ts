import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { type ErrorCode, ErrorCodes, isBridgeError } from '../errors.js'
import { createRateLimitedLog } from '../observability/rate-limited-log.js'
import { clipText } from './clip-text.js'

/**
 * The longest `error` text an answer carries. Messages quote event-supplied strings cut to 64
 * characters; this bounds whatever a handler put in, so no request can make a large answer.
 */
export const ANSWER_TEXT_LIMIT = 1024

/** Every error answer of the receiver: JSON, a stable code, never a stack or a secret. */
export interface ErrorBody {
  error: string
  code: ErrorCode
  details?: unknown
}

const statusByCode: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.BODY_UNSUPPORTED_TYPE]: 415,
  [ErrorCodes.BODY_PARSE]: 400,
  [ErrorCodes.BODY_INVALID]: 400,
  [ErrorCodes.BODY_TOO_LARGE]: 413,
  [ErrorCodes.AUTH_UNKNOWN_PORTAL]: 401,
  [ErrorCodes.AUTH_TOKEN_MISMATCH]: 401,
  [ErrorCodes.AUTH_TOKEN_MISSING]: 401,
  [ErrorCodes.STORE_UNAVAILABLE]: 503,
  [ErrorCodes.PORTAL_QUEUE_FULL]: 503,
  [ErrorCodes.AUTH_ENDPOINT_NOT_ALLOWED]: 401,
  [ErrorCodes.AUTH_INSTALL_REFUSED]: 403,
}

/** Maps what the receiver or fastify threw to a status and a body (pure). */
export function toErrorAnswer(err: unknown, bodyLimit: number): { status: number; body: ErrorBody } {
  if (isBridgeError(err)) {
    const body: ErrorBody = { error: clipText(err.message, ANSWER_TEXT_LIMIT) ?? '', code: err.code }
    if (err.details !== undefined) body.details = err.details
    return { status: statusByCode[err.code] ?? 500, body }
  }
  const fst = err as Partial<FastifyError>
  switch (fst.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer(
        413,
        ErrorCodes.BODY_TOO_LARGE,
        `Body is larger than server.bodyLimit (${bodyLimit} bytes).`,
      )
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(
        415,
        ErrorCodes.BODY_UNSUPPORTED_TYPE,
        'Unsupported Content-Type: send application/x-www-form-urlencoded (as Bitrix24 does) or application/json.',
      )
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer(
        400,
        ErrorCodes.BODY_PARSE,
        'Body is not valid JSON (or uses __proto__/constructor keys).',
      )
  }
  // Other 4xx from fastify (bad Content-Length, aborted upload): the body could not be read.
  if (typeof fst.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    return answer(400, ErrorCodes.BODY_PARSE, 'Could not read the request body.')
  }
  return answer(500, ErrorCodes.INTERNAL, 'Internal error; the event was not accepted. See the bridge log.')
}

function answer(status: number, code: ErrorCode, error: string): { status: number; body: ErrorBody } {
  return { status, body: { error, code } }
}

/**
 * Fastify error handler for the receiver's context: 5xx are logged with their cause, 4xx at debug,
 * at most one line (and a summary) per code every 10 s: a flood of bad requests is not a flood of lines.
 */
export function createErrorHandler(logger: Logger, bodyLimit: number) {
  const refusals = createRateLimitedLog(logger, { intervalMs: 10_000, level: 'debug' })
  return (err: unknown, _request: FastifyRequest, reply: FastifyReply): void => {
    const { status, body } = toErrorAnswer(err, bodyLimit)
    if (status >= 500) logger.error({ err, code: body.code }, 'event not accepted')
    else refusals.note(body.code, { code: body.code, status }, 'event refused')
    reply.code(status).type('application/json; charset=utf-8').send(body)
  }
}
