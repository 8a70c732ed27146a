import type * as Telegraf from 'telegraf'
import { formatPath } from '../../src/config/problems.js'
import { errorMessage } from '../../src/errors.js'
import { OutputError } from '../../src/plugins/api.js'
import { lazyModule } from '../../src/runtime/lazy-module.js'

/** telegraf's error class; loaded with the client, on first use. */
const telegraf = lazyModule<typeof Telegraf>('telegraf')

export type TelegramOp = 'start' | 'send' | 'edit' | 'delete' | 'topic'

/** Outcomes that are not failures: the edit changed nothing, the message to delete is already gone. */
export type TelegramNonError = 'not-modified' | 'already-deleted'

export interface ErrorContext {
  op: TelegramOp
  /** Output id from config, e.g. `telegram.support`. */
  output: string
  chatId: string | number
  /** Removed from any message (network errors may quote the request URL). */
  token: string
  /** The request timeout, to say so when it ran out. */
  timeoutMs?: number
}

// Telegram's descriptions (https://core.telegram.org/api/errors has the MTProto names behind them).
const notModified = /message is not modified/i
const editGone = /message to edit not found|message can't be edited|message_id_invalid/i
const deleteGone = /message to delete not found/i
const cannotDelete = /message can't be deleted/i
// A topic that was deleted, or a header message a reply chain hangs under that was deleted.
const threadGone = /message thread not found|message to be replied not found|replied message not found/i
const noAccess =
  /bot was kicked|bot is not a member|chat not found|not enough rights|have no rights|need administrator rights|bot was blocked|chat_write_forbidden|user is deactivated/i

/**
 * The group was upgraded to a supergroup with a new id (`parameters.migrate_to_chat_id`). The output
 * follows it; should that fail, this is still an `invalid` error that says what to set.
 */
export class ChatMigratedError extends OutputError {
  readonly from: string | number
  readonly to: number

  constructor(said: string, ctx: ErrorContext, to: number, cause: unknown) {
    super(
      'invalid',
      `${said}; the group became a supergroup: set ${formatPath(['outputs', ctx.output, 'chatId'])} to ${to}`,
      {
        cause,
      },
    )
    this.from = ctx.chatId
    this.to = to
  }
}

export function isChatMigrated(err: unknown): err is ChatMigratedError {
  return err instanceof ChatMigratedError
}

function describe(err: unknown, token: string): string {
  return errorMessage(err).replaceAll(token, '[REDACTED]')
}

/**
 * The one boundary where telegraf errors become OutputErrors (or the two benign outcomes).
 * `TelegramError.response` is the Bot API reply `{error_code, description, parameters}`; anything
 * else thrown by the client (DNS, refused, reset, our timeout) is a network problem.
 */
export function mapTelegramError(err: unknown, ctx: ErrorContext): OutputError | TelegramNonError {
  if (!(err instanceof telegraf().TelegramError)) {
    const timedOut = err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')
    const what =
      timedOut && ctx.timeoutMs !== undefined
        ? `no answer within ${ctx.timeoutMs} ms`
        : describe(err, ctx.token)
    return new OutputError('transient', `output ${ctx.output}: Telegram unreachable: ${what}; will retry`, {
      cause: err,
    })
  }
  const { error_code: code, description = '', parameters } = err.response
  const said = `output ${ctx.output}: Telegram answered ${code} "${description.replaceAll(ctx.token, '[REDACTED]')}"`
  const chat = `chat ${ctx.chatId}`
  if (code === 429) {
    const seconds = parameters?.retry_after
    const options =
      typeof seconds === 'number' ? { retryAfterMs: seconds * 1000, cause: err } : { cause: err }
    return new OutputError('rate-limited', `${said}; pausing this output`, options)
  }
  if (code === 401 || (code === 404 && ctx.op === 'start')) {
    return new OutputError(
      'auth',
      `Telegram rejected the bot token for output ${ctx.output}; get a token from @BotFather and set ${formatPath(['outputs', ctx.output, 'token'])}${code === 404 ? ' (or check apiRoot)' : ''}`,
      { cause: err },
    )
  }
  if (code >= 500) return new OutputError('transient', `${said}; will retry`, { cause: err })
  if (ctx.op === 'edit' && notModified.test(description)) return 'not-modified'
  if (ctx.op === 'delete' && deleteGone.test(description)) return 'already-deleted'
  if (ctx.op === 'edit' && editGone.test(description)) {
    return new OutputError('gone', `${said}; the mirror is gone or too old to edit`, { cause: err })
  }
  if (ctx.op === 'delete' && cannotDelete.test(description)) {
    return new OutputError(
      'gone',
      `${said}; bots can only delete messages younger than 48 hours, and need the "Delete messages" admin right in ${chat}`,
      { cause: err },
    )
  }
  if (parameters?.migrate_to_chat_id !== undefined) {
    return new ChatMigratedError(said, ctx, parameters.migrate_to_chat_id, err)
  }
  if (ctx.op === 'send' && threadGone.test(description)) {
    return new OutputError(
      'gone',
      `${said}; the topic or the message replied to is gone (a new thread is opened for a Bitrix24 chat; check ${formatPath(['outputs', ctx.output, 'messageThreadId'])} if it is set)`,
      { cause: err },
    )
  }
  if (ctx.op === 'topic' && code === 400) {
    return new OutputError(
      'invalid',
      `${said}; to keep one topic per chat, ${chat} must be a forum supergroup (Topics on) and the bot an admin with "Manage topics"; or set ${formatPath(['outputs', ctx.output, 'threads'])} to replies`,
      { cause: err },
    )
  }
  if (noAccess.test(description) || code === 403) {
    return new OutputError(
      'invalid',
      `${said}; the bot cannot post in ${chat}: add it to the chat (as an admin with "Post messages", "Edit messages of others" and "Delete messages" in channels) and check ${formatPath(['outputs', ctx.output, 'chatId'])}`,
      { cause: err },
    )
  }
  if (/thread not found|topic/i.test(description)) {
    return new OutputError(
      'invalid',
      `${said}; check ${formatPath(['outputs', ctx.output, 'messageThreadId'])}`,
      { cause: err },
    )
  }
  if (/can't parse entities|message is too long|entities too long|entities_too_long/i.test(description)) {
    return new OutputError(
      'invalid',
      `${said}; the telegram output produced a message Telegram refuses, which is a bug: please report it with the message`,
      { cause: err },
    )
  }
  if (code >= 400 && code < 500) {
    return new OutputError('invalid', `${said}; Telegram will not accept this request`, { cause: err })
  }
  return new OutputError('transient', `${said}; will retry`, { cause: err })
}
