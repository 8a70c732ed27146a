import { TelegramError } from 'telegraf'
import { describe, expect, it } from 'vitest'
import {
  type ErrorContext,
  mapTelegramError,
  type TelegramOp,
} from '../../../../plugins/telegram/map-error.js'
import { OutputError } from '../../../../src/plugins/api.js'

const token = '123456:SECRET'
const ctx = (op: TelegramOp): ErrorContext => ({ op, output: 'telegram.support', chatId: -100123, token })
const tg = (error_code: number, description: string, parameters?: object) =>
  new TelegramError({ error_code, description, ...(parameters ? { parameters } : {}) })

function reason(err: unknown, op: TelegramOp): string {
  const mapped = mapTelegramError(err, ctx(op))
  return mapped instanceof OutputError ? mapped.reason : mapped
}

describe('telegram error mapping', () => {
  it('treats "message is not modified" on an edit as success', () => {
    const err = tg(
      400,
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same',
    )
    expect(reason(err, 'edit')).toBe('not-modified')
  })

  it('maps an edit of a missing or too old message to gone', () => {
    expect(reason(tg(400, 'Bad Request: message to edit not found'), 'edit')).toBe('gone')
    expect(reason(tg(400, "Bad Request: message can't be edited"), 'edit')).toBe('gone')
  })

  it('counts deleting a message that is already gone as done, and a too old one as gone', () => {
    expect(reason(tg(400, 'Bad Request: message to delete not found'), 'delete')).toBe('already-deleted')
    const old = mapTelegramError(tg(400, "Bad Request: message can't be deleted"), ctx('delete'))
    expect(old).toMatchObject({ reason: 'gone', message: expect.stringContaining('48 hours') })
  })

  it('maps 429 to rate-limited with retry_after in milliseconds', () => {
    const mapped = mapTelegramError(
      tg(429, 'Too Many Requests: retry after 7', { retry_after: 7 }),
      ctx('send'),
    )
    expect(mapped).toMatchObject({ reason: 'rate-limited', retryAfterMs: 7000 })
  })

  it('says what to do when the bot was kicked or the chat is wrong, and does not retry', () => {
    const kicked = mapTelegramError(
      tg(403, 'Forbidden: bot was kicked from the supergroup chat'),
      ctx('send'),
    )
    expect(kicked).toMatchObject({
      reason: 'invalid',
      message: expect.stringContaining('add it to the chat'),
    })
    expect(reason(tg(400, 'Bad Request: chat not found'), 'send')).toBe('invalid')
    expect(reason(tg(403, 'Forbidden: bot is not a member of the channel chat'), 'edit')).toBe('invalid')
  })

  it('names the new chat id when a group was upgraded to a supergroup', () => {
    const err = tg(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
      migrate_to_chat_id: -1009,
    })
    expect(mapTelegramError(err, ctx('send'))).toMatchObject({
      reason: 'invalid',
      message: expect.stringContaining('set outputs["telegram.support"].chatId to -1009'),
    })
  })

  it('maps a rejected token to auth with a fix', () => {
    expect(mapTelegramError(tg(401, 'Unauthorized'), ctx('start'))).toMatchObject({
      reason: 'auth',
      message:
        'Telegram rejected the bot token for output telegram.support; get a token from @BotFather and set outputs["telegram.support"].token',
    })
  })

  it('reports HTML Telegram cannot parse as a bug, never retried', () => {
    const mapped = mapTelegramError(
      tg(400, "Bad Request: can't parse entities: Unsupported start tag"),
      ctx('send'),
    )
    expect(mapped).toMatchObject({ reason: 'invalid', message: expect.stringContaining('bug') })
  })

  it('retries server errors and network failures, without leaking the token', () => {
    expect(reason(tg(502, 'Bad Gateway'), 'send')).toBe('transient')
    const network = new Error(`request to http://api.test/bot${token}/sendMessage failed, reason: ECONNRESET`)
    const mapped = mapTelegramError(network, ctx('send'))
    expect(mapped).toMatchObject({ reason: 'transient' })
    expect((mapped as OutputError).message).not.toContain('SECRET')
  })
})
