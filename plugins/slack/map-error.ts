import type * as SlackWebApi from '@slack/web-api'
import type { WebAPIPlatformError } from '@slack/web-api'
import { formatPath } from '../../src/config/problems.js'
import { errorMessage } from '../../src/errors.js'
import { OutputError, type OutputErrorReason } from '../../src/plugins/api.js'
import { lazyModule } from '../../src/runtime/lazy-module.js'

/** The SDK's error classes; loaded with the SDK, on first use. */
const slackSdk = lazyModule<typeof SlackWebApi>('@slack/web-api')

/** The mirror is missing or can no longer be edited: the pipeline's policy decides (send new, or skip). */
const goneCodes = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed'])
const tokenCodes = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
])
// Slack's own trouble: worth retrying with backoff (https://api.slack.com/methods/chat.postMessage#errors).
const transientCodes = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout'])

/** Why a Slack platform error (`{ok: false, error}`) happened and what the operator should do. */
function platformError(err: WebAPIPlatformError, id: string, method: string): OutputError {
  const { data } = err
  const code = data.error
  const said = `Slack answered ${code} to ${method} for output ${id}`
  const error = (reason: OutputErrorReason, message: string): OutputError =>
    new OutputError(reason, message, { cause: err })
  if (code === 'ratelimited' || code === 'rate_limited') {
    const seconds = data.response_metadata?.retryAfter
    return new OutputError('rate-limited', `${said}; will retry later`, {
      cause: err,
      ...(seconds === undefined ? {} : { retryAfterMs: seconds * 1000 }),
    })
  }
  if (goneCodes.has(code)) return error('gone', `${said}: the mirrored message is gone or too old to edit`)
  if (code === 'thread_not_found') {
    return error('gone', `${said}: the chat's thread header was deleted in Slack; a new thread is opened`)
  }
  if (tokenCodes.has(code)) {
    return error(
      'auth',
      `Slack rejected the token for output ${id}: ${code} — create a bot token with chat:write and set ${formatPath(['outputs', id, 'token'])}`,
    )
  }
  if (code === 'missing_scope') {
    // Slack names the missing scope in `needed` (not part of the library's result type).
    const needed = (data as { needed?: unknown }).needed
    const scope = typeof needed === 'string' ? needed : 'chat:write'
    return error(
      'auth',
      `${said}: the token lacks the ${scope} scope — add it to the Slack app, reinstall it and update ${formatPath(['outputs', id, 'token'])}`,
    )
  }
  if (code === 'channel_not_found') {
    return error(
      'invalid',
      `${said}: set ${formatPath(['outputs', id, 'channel'])} to the channel ID (C…, from the channel's details) and invite the bot to it`,
    )
  }
  if (code === 'not_in_channel') {
    return error('invalid', `${said}: invite the bot to the channel (/invite @your-bot in Slack)`)
  }
  if (code === 'is_archived') {
    return error(
      'invalid',
      `${said}: the channel is archived; unarchive it or set ${formatPath(['outputs', id, 'channel'])}`,
    )
  }
  if (code === 'msg_too_long') {
    return error(
      'invalid',
      `${said}: lower ${formatPath(['outputs', id, 'maxTextLength'])} so messages are split`,
    )
  }
  if (code === 'cant_delete_message') {
    return error('invalid', `${said}: a bot can only delete the messages it posted itself`)
  }
  if (transientCodes.has(code)) return error('transient', `${said}; will retry`)
  return error('invalid', `${said}; see https://api.slack.com/methods/${method}#errors`)
}

/** The one boundary where @slack/web-api errors become OutputErrors the pipeline acts on. */
export function mapSlackError(err: unknown, id: string, method: string): OutputError {
  if (err instanceof slackSdk().WebAPIRateLimitedError) {
    return new OutputError(
      'rate-limited',
      `Slack rate-limited ${method} for output ${id}; will retry later`,
      {
        retryAfterMs: err.retryAfter * 1000,
        cause: err,
      },
    )
  }
  if (err instanceof slackSdk().WebAPIPlatformError) {
    return platformError(err, id, method)
  }
  if (err instanceof slackSdk().WebAPIHTTPError) {
    const said = `Slack answered HTTP ${err.statusCode} to ${method} for output ${id}`
    if (err.statusCode >= 500 || err.statusCode === 408) {
      return new OutputError('transient', `${said}; will retry`, { cause: err })
    }
    return new OutputError('invalid', `${said}; check ${formatPath(['outputs', id, 'apiUrl'])}`, {
      cause: err,
    })
  }
  if (err instanceof slackSdk().WebAPIRequestError) {
    const original = err.original
    const timedOut = original.name === 'TimeoutError' || original.name === 'AbortError'
    const what = timedOut ? 'no answer in time' : errorMessage(original.cause ?? original)
    return new OutputError('transient', `Slack ${method} for output ${id} failed: ${what}; will retry`, {
      cause: err,
    })
  }
  // With rejectRateLimitedCalls the client rejects a 429 without a usable Retry-After as a plain Error.
  if (err instanceof Error && /retry-after|rate limit/i.test(err.message)) {
    return new OutputError(
      'rate-limited',
      `Slack rate-limited ${method} for output ${id}; will retry later`,
      {
        cause: err,
      },
    )
  }
  return new OutputError(
    'transient',
    `Slack ${method} for output ${id} failed: ${errorMessage(err)}; will retry`,
    {
      cause: err,
    },
  )
}
