import { createHmac } from 'node:crypto'
import { ErrorCodes, errorMessage } from '../../src/errors.js'
import { isReplyTooLarge } from '../../src/http/cap-fetch.js'
import { OutputError } from '../../src/plugins/api.js'
import { errorForStatus } from './map-response.js'

export interface PostSettings {
  url: string
  secret: string | undefined
  headers: Record<string, string>
  timeoutMs: number
  fetch: typeof fetch
}

/** Sign the exact bytes sent, so a receiver can verify before parsing. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

function replyRef(text: string, contentType: string | null): { ref: unknown } | undefined {
  if (!contentType?.includes('json') || text === '') return undefined
  try {
    const reply: unknown = JSON.parse(text)
    if (
      reply &&
      typeof reply === 'object' &&
      'ref' in reply &&
      reply.ref !== undefined &&
      reply.ref !== null
    ) {
      return { ref: reply.ref }
    }
  } catch {
    // A receiver that answers 200 with broken JSON still accepted the message; keep our own ref.
  }
  return undefined
}

/**
 * POST a JSON body; the receiver's `{ref}` reply when it gave one. Network errors and timeouts are
 * `transient`; HTTP errors map by status (see errorForStatus).
 */
export async function postJson(
  settings: PostSettings,
  body: string,
  replacing: boolean,
  idempotencyKey?: string,
): Promise<{ ref: unknown } | undefined> {
  // The host only: paths and queries of webhook URLs often carry tokens.
  const where = new URL(settings.url).host
  const headers: Record<string, string> = {
    ...settings.headers,
    'content-type': 'application/json',
    'user-agent': 'openline-bridge',
    'x-openline-timestamp': String(Math.floor(Date.now() / 1000)),
  }
  if (settings.secret !== undefined) headers['x-openline-signature'] = sign(settings.secret, body)
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey
  let response: Response
  let text: string
  try {
    response = await settings.fetch(settings.url, {
      method: 'POST',
      headers,
      body,
      // A POST that follows a 301/302 turns into a GET; report the redirect instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    })
    text = await response.text()
  } catch (err) {
    if (isReplyTooLarge(err)) {
      // context.fetch cut the reply off at pipeline.maxReplyBytes: the same POST would fail alike.
      throw new OutputError('invalid', `webhook ${where}: ${errorMessage(err)}`, {
        cause: err,
        code: ErrorCodes.REPLY_TOO_LARGE,
      })
    }
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
    const what = timedOut ? `no answer within ${settings.timeoutMs} ms` : errorMessage(err)
    throw new OutputError('transient', `webhook ${where}: ${what}; will retry`, { cause: err })
  }
  if (response.status >= 200 && response.status < 300)
    return replyRef(text, response.headers.get('content-type'))
  const snippet = text.slice(0, 200).replace(/\s+/g, ' ').trim()
  throw errorForStatus(response.status, where, replacing, response.headers.get('retry-after'), snippet)
}
