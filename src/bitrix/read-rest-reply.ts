import { ErrorCodes } from '../errors.js'
import { readCappedText } from '../http/read-capped-reply.js'
import { BitrixError } from './errors.js'

/**
 * A portal's reply body as text, at most `limit` bytes (`pipeline.maxReplyBytes`). Anything from a
 * portal is hostile: a portal streaming gigabytes must cost a bounded read, not the process. Over
 * the cap is BRG_ERR_REPLY_TOO_LARGE, not retryable: the same call would get the same reply.
 */
export function readRestReply(
  response: Response,
  limit: number,
  portal: string,
  method: string,
): Promise<string> {
  return readCappedText(
    response,
    limit,
    () =>
      new BitrixError(
        ErrorCodes.REPLY_TOO_LARGE,
        `portal ${portal} answered ${method} with more than ${limit} bytes (pipeline.maxReplyBytes); the reply was cut off and not used, and the call is not retried — check the portal, or raise pipeline.maxReplyBytes if such replies are genuine`,
        { bitrixCode: 'REPLY_TOO_LARGE', retryable: false },
      ),
  )
}
