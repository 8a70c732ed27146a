import { BridgeError, ErrorCodes } from '../errors.js'

/** Default for `pipeline.maxReplyBytes`: far above any genuine reply, far below what hurts. */
export const defaultMaxReplyBytes = 16 * 1024 * 1024

/** The coded, non-retryable error for a reply over the cap (`what` names the service, never a secret URL). */
export function replyTooLarge(what: string, limit: number): BridgeError {
  return new BridgeError(
    ErrorCodes.REPLY_TOO_LARGE,
    `${what} sent a reply larger than ${limit} bytes (pipeline.maxReplyBytes); it was cut off and not used — the same request would fail the same way, so it is not retried. Raise pipeline.maxReplyBytes only if the service is trusted and the reply is genuine`,
  )
}

/**
 * Reads a reply body as UTF-8 text, at most `limit` bytes. A longer body (declared by
 * Content-Length or found while streaming) is cancelled at once and `tooLarge()` is thrown: memory
 * never holds more than `limit` bytes of it, whatever the sender streams.
 */
export async function readCappedText(
  response: Response,
  limit: number,
  tooLarge: () => Error,
): Promise<string> {
  const body = response.body
  if (body === null) return ''
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > limit) {
    await body.cancel().catch(() => {})
    throw tooLarge()
  }
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size).toString('utf8')
}
