import { isBridgeError } from '../errors.js'
import { replyTooLarge } from './read-capped-reply.js'

// Statuses whose Response may not carry a body (the Response constructor refuses one).
const nullBodyStatuses = new Set([101, 103, 204, 205, 304])

/**
 * A Response whose body stream errors with BRG_ERR_REPLY_TOO_LARGE once more than `limit` bytes
 * came through (or at once when Content-Length says so). `text()`, `json()` and readers reject
 * with that error; the sender's stream is cancelled, so memory stays bounded.
 */
export function capResponse(response: Response, limit: number, what: string): Response {
  const body = response.body
  if (body === null || nullBodyStatuses.has(response.status)) return response
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > limit) {
    void body.cancel().catch(() => {})
    throw replyTooLarge(what, limit)
  }
  let seen = 0
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength
        if (seen > limit) controller.error(replyTooLarge(what, limit))
        else controller.enqueue(chunk)
      },
    }),
  )
  const capped = new Response(counted, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
  Object.defineProperty(capped, 'url', { value: response.url })
  Object.defineProperty(capped, 'redirected', { value: response.redirected })
  return capped
}

/**
 * The fetch handed to output plugins (`context.fetch`): every reply body is read through the cap.
 * `what` names the caller in the error (an output id, never a URL: URLs may carry tokens).
 */
export function capFetch(fetchFn: typeof fetch, limit: number, what: string): typeof fetch {
  return async (input, init) => capResponse(await fetchFn(input, init), limit, what)
}

/** True when `err` (or one of its causes) is the over-the-cap error. */
export function isReplyTooLarge(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (isBridgeError(e) && e.code === 'BRG_ERR_REPLY_TOO_LARGE') return true
    e = e instanceof Error ? e.cause : undefined
  }
  return false
}
