import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HtmlParseError, type ParsedEntity, parseTelegramHtml } from './fake-telegram-html.js'

/** One Bot API request as the fake received it (JSON or form body, parsed). */
export interface FakeTelegramCall {
  method: string
  token: string
  body: Record<string, unknown>
}

/** A Bot API error reply, e.g. `{error_code: 429, description: 'Too Many Requests: retry after 7', parameters: {retry_after: 7}}`. */
export interface FakeTelegramError {
  error_code: number
  description: string
  parameters?: { retry_after?: number; migrate_to_chat_id?: number }
}

export interface FakeTelegramMessage {
  id: number
  html: string
  text: string
  entities: ParsedEntity[]
  /** Unix seconds, on the fake's clock (see `advanceClock`). */
  date: number
  /** The forum topic it was posted in (`message_thread_id`). */
  topicId?: number
  /** The message it replies to (`reply_parameters.message_id`). */
  replyTo?: number
}

/** A forum topic: its id is the id of the service message that created it, as in Telegram. */
export interface FakeForumTopic {
  id: number
  name: string
  closed: boolean
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    description: string,
    readonly parameters?: FakeTelegramError['parameters'],
  ) {
    super(description)
  }
}

/** A reply from test/fixtures/telegram/ (its README names the source of each). */
function fixture(name: string): FakeTelegramError {
  const url = new URL(`../fixtures/telegram/${name}.json`, import.meta.url)
  const { error_code, description, parameters } = JSON.parse(readFileSync(url, 'utf8')) as FakeTelegramError
  return parameters === undefined ? { error_code, description } : { error_code, description, parameters }
}

const fixtures = {
  migrated: fixture('migrate-to-chat-id'),
  tooOldSupergroup: fixture('delete-too-old-supergroup'),
  tooOldGroup: fixture('delete-too-old-group'),
}

/** Bots may delete their messages for everyone for 48 hours (tdlib: 2 * 86400 s). */
export const BOT_DELETE_LIMIT_SECONDS = 2 * 86_400

/** Supergroups and channels have ids `-100…`; other negative ids are basic groups. */
function chatType(key: string): 'private' | 'group' | 'supergroup' {
  if (key.startsWith('-100')) return 'supergroup'
  return key.startsWith('-') ? 'group' : 'private'
}

const notModified =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'

/** Bot API limit: 4,096 characters after entity parsing (counted here in UTF-16 units). */
export const FAKE_TELEGRAM_TEXT_LIMIT = 4096

/**
 * A fake Telegram Bot API on loopback: `/bot<token>/<method>`, answering `{ok, result}` or
 * `{ok: false, error_code, description, parameters}` like api.telegram.org. It keeps the chats'
 * messages, validates `parse_mode: HTML` like Telegram, records every call, and fails on demand.
 * Forum topics as in Telegram: only a forum supergroup accepts `createForumTopic`; a topic's id
 * is its creation message's id; `message_thread_id` must name a topic that exists ("message thread
 * not found") and `reply_parameters` a message that exists ("message to be replied not found").
 */
export class FakeTelegram {
  readonly calls: FakeTelegramCall[] = []
  private readonly chats = new Map<string, Map<number, FakeTelegramMessage>>()
  private readonly lastIds = new Map<string, number>()
  private readonly migrated = new Map<string, { to: number; oldMessagesEditable: boolean }>()
  private clockOffset = 0
  /** Forum supergroups (topics on) and their topics; only these accept createForumTopic. */
  private readonly forums = new Map<string, Map<number, FakeForumTopic>>()
  private readonly failures: {
    method: string
    reply: FakeTelegramError | 'network' | 'hang'
    after: number
  }[] = []

  private constructor(
    private readonly server: Server,
    readonly apiRoot: string,
    readonly token: string,
  ) {}

  /** `port`: listen there (a test that first finds the port refusing connections); default any free one. */
  static async start(token = '123456:TEST-token', port = 0): Promise<FakeTelegram> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    const { port: bound } = server.address() as AddressInfo
    const fake = new FakeTelegram(server, `http://127.0.0.1:${bound}`, token)
    server.on('request', (req, res) => void fake.handle(req, res))
    return fake
  }

  /**
   * The next call of `method` (`*`: any) fails with `reply` (`network` drops the connection,
   * `hang` never answers);
   * `after` lets that many calls through first, `times` repeats the failure.
   */
  failNext(
    method: string,
    reply: FakeTelegramError | 'network' | 'hang',
    options: { times?: number; after?: number } = {},
  ): void {
    for (let n = 0; n < (options.times ?? 1); n += 1)
      this.failures.push({ method, reply, after: options.after ?? 0 })
  }

  /**
   * The basic group `from` was upgraded to the supergroup `to`: calls that need write access to
   * `from` (send, delete) answer `migrate_to_chat_id`; its old messages stay in it. Whether they can
   * still be edited is not documented: `oldMessagesEditable` chooses (default: refused). The
   * supergroup numbers its messages anew, after its "upgraded from" service message (id 1).
   */
  migrateChat(from: number, to: number, options: { oldMessagesEditable?: boolean } = {}): void {
    this.migrated.set(String(from), { to, oldMessagesEditable: options.oldMessagesEditable ?? false })
    if (!this.lastIds.has(String(to))) this.lastIds.set(String(to), 1)
  }

  /** Move the fake's clock on, so messages sent so far are that much older. */
  advanceClock(seconds: number): void {
    this.clockOffset += seconds
  }

  private now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffset
  }

  /** Messages now in a chat, oldest first. */
  messages(chatId: string | number): FakeTelegramMessage[] {
    return [...(this.chats.get(String(chatId))?.values() ?? [])]
  }

  /** Turn topics on in a supergroup: createForumTopic works there from now on. */
  makeForum(chatId: string | number): void {
    if (!this.forums.has(String(chatId))) this.forums.set(String(chatId), new Map())
  }

  /** A topic that already exists (made a forum first); like Telegram, later message ids follow it. */
  addTopic(chatId: string | number, topicId: number, name: string): void {
    this.makeForum(chatId)
    this.forums.get(String(chatId))?.set(topicId, { id: topicId, name, closed: false })
    this.lastIds.set(String(chatId), Math.max(this.lastIds.get(String(chatId)) ?? 0, topicId))
  }

  /** The forum's topics, oldest first. */
  topics(chatId: string | number): FakeForumTopic[] {
    return [...(this.forums.get(String(chatId))?.values() ?? [])].map((t) => ({ ...t }))
  }

  /** Delete a topic as an admin would (its messages go with it). */
  deleteTopic(chatId: string | number, topicId: number): void {
    this.forums.get(String(chatId))?.delete(topicId)
    const messages = this.chats.get(String(chatId))
    for (const [id, m] of messages ?? []) if (m.topicId === topicId || id === topicId) messages?.delete(id)
  }

  /** Delete a message as a chat admin would. */
  deleteMessageNow(chatId: string | number, messageId: number): void {
    this.chats.get(String(chatId))?.delete(messageId)
  }

  /** Calls of one method, bodies only. */
  bodies(method: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.body)
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.apiRoot)
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname)
    const body = { ...Object.fromEntries(url.searchParams), ...(await readBody(req)) }
    if (!m) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    const [, token, method] = m as unknown as [string, string, string]
    this.calls.push({ method, token, body })
    if (token !== this.token)
      return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' })
    const failure = this.failures.find((f) => f.method === method || f.method === '*')
    if (failure && failure.after > 0) failure.after -= 1
    else if (failure) {
      this.failures.splice(this.failures.indexOf(failure), 1)
      if (failure.reply === 'network') return void req.socket.destroy()
      if (failure.reply === 'hang') return
      return send(res, failure.reply.error_code, { ok: false, ...failure.reply })
    }
    try {
      send(res, 200, { ok: true, result: this.apply(method, body) })
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      send(res, err.code, {
        ok: false,
        error_code: err.code,
        description: err.message,
        ...(err.parameters === undefined ? {} : { parameters: err.parameters }),
      })
    }
  }

  private apply(method: string, body: Record<string, unknown>): unknown {
    switch (method) {
      case 'getMe':
        return { id: 777000, is_bot: true, first_name: 'Mirror Bot', username: 'mirror_test_bot' }
      case 'sendMessage': {
        const chat = this.chat(body)
        this.refuseWrite(chat.key)
        const parsed = this.parse(body)
        // A topic must exist in the forum; a reply must name a message of the chat.
        const topicId = body.message_thread_id === undefined ? undefined : Number(body.message_thread_id)
        if (topicId !== undefined && !this.forums.get(chat.key)?.has(topicId)) {
          throw new ApiError(400, 'Bad Request: message thread not found')
        }
        const reply =
          typeof body.reply_parameters === 'string'
            ? JSON.parse(body.reply_parameters)
            : body.reply_parameters
        const replyTo = (reply as { message_id?: unknown } | undefined)?.message_id
        if (replyTo !== undefined && !chat.messages.has(Number(replyTo))) {
          throw new ApiError(400, 'Bad Request: message to be replied not found')
        }
        const id = this.nextId(chat.key)
        const message: FakeTelegramMessage = { id, html: String(body.text), ...parsed, date: this.now() }
        if (topicId !== undefined) message.topicId = topicId
        if (replyTo !== undefined) message.replyTo = Number(replyTo)
        chat.messages.set(id, message)
        return this.message(chat.key, id, parsed, body.message_thread_id)
      }
      case 'createForumTopic': {
        const chat = this.chat(body)
        const forum = this.forums.get(chat.key)
        if (!forum) throw new ApiError(400, 'Bad Request: the chat is not a forum')
        const name = String(body.name ?? '')
        if (name.length < 1 || name.length > 128) throw new ApiError(400, 'Bad Request: TOPIC_TITLE_EMPTY')
        const id = this.nextId(chat.key)
        forum.set(id, { id, name, closed: false })
        return { message_thread_id: id, name, icon_color: 7322096 }
      }
      case 'editForumTopic':
      case 'closeForumTopic': {
        const chat = this.chat(body)
        const topic = this.forums.get(chat.key)?.get(Number(body.message_thread_id))
        if (!topic) throw new ApiError(400, 'Bad Request: message thread not found')
        if (method === 'closeForumTopic') {
          if (topic.closed) throw new ApiError(400, 'Bad Request: TOPIC_NOT_MODIFIED')
          topic.closed = true
        } else if (body.name !== undefined) {
          topic.name = String(body.name)
        }
        return true
      }
      case 'editMessageText': {
        const chat = this.chat(body)
        const id = Number(body.message_id)
        const current = chat.messages.get(id)
        const moved = this.migrated.get(chat.key)
        if (moved && !moved.oldMessagesEditable) throw new ApiError(400, 'Bad Request: CHAT_WRITE_FORBIDDEN')
        if (!current) throw new ApiError(400, 'Bad Request: message to edit not found')
        const parsed = this.parse(body)
        if (
          parsed.text === current.text &&
          JSON.stringify(parsed.entities) === JSON.stringify(current.entities)
        ) {
          throw new ApiError(400, notModified)
        }
        chat.messages.set(id, { ...current, html: String(body.text), ...parsed, date: current.date })
        // Bots edit their own messages at any age (no edit time limit for a bot's outgoing messages).
        return { ...this.message(chat.key, id, parsed, undefined, current.date), edit_date: this.now() }
      }
      case 'deleteMessage': {
        const chat = this.chat(body)
        this.refuseWrite(chat.key)
        const id = Number(body.message_id)
        const current = chat.messages.get(id)
        if (!current) throw new ApiError(400, 'Bad Request: message to delete not found')
        if (this.now() - current.date >= BOT_DELETE_LIMIT_SECONDS) {
          const reply = chatType(chat.key) === 'supergroup' ? fixtures.tooOldSupergroup : fixtures.tooOldGroup
          throw new ApiError(reply.error_code, reply.description)
        }
        chat.messages.delete(id)
        return true
      }
      default:
        throw new ApiError(404, 'Not Found')
    }
  }

  /** Write access to an upgraded group is refused with the new chat id. */
  private refuseWrite(key: string): void {
    const moved = this.migrated.get(key)
    if (!moved) return
    const reply = fixtures.migrated
    throw new ApiError(reply.error_code, reply.description, { migrate_to_chat_id: moved.to })
  }

  private nextId(chatKey: string): number {
    const id = (this.lastIds.get(chatKey) ?? 0) + 1
    this.lastIds.set(chatKey, id)
    return id
  }

  private chat(body: Record<string, unknown>): { key: string; messages: Map<number, FakeTelegramMessage> } {
    if (body.chat_id === undefined || body.chat_id === '')
      throw new ApiError(400, 'Bad Request: chat_id is empty')
    const key = String(body.chat_id)
    let messages = this.chats.get(key)
    if (!messages) {
      messages = new Map()
      this.chats.set(key, messages)
    }
    return { key, messages }
  }

  private parse(body: Record<string, unknown>): { text: string; entities: ParsedEntity[] } {
    const raw = typeof body.text === 'string' ? body.text : ''
    let parsed = { text: raw, entities: [] as ParsedEntity[] }
    if (String(body.parse_mode ?? '').toLowerCase() === 'html') {
      try {
        parsed = parseTelegramHtml(raw)
      } catch (err) {
        if (err instanceof HtmlParseError)
          throw new ApiError(400, `Bad Request: can't parse entities: ${err.message}`)
        throw err
      }
    }
    if (parsed.text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty')
    if (parsed.text.length > FAKE_TELEGRAM_TEXT_LIMIT)
      throw new ApiError(400, 'Bad Request: message is too long')
    return parsed
  }

  private message(
    chatKey: string,
    id: number,
    parsed: { text: string; entities: ParsedEntity[] },
    thread: unknown,
    date = this.now(),
  ) {
    const numeric = /^-?\d+$/.test(chatKey)
    return {
      message_id: id,
      date,
      chat: numeric
        ? { id: Number(chatKey), type: chatType(chatKey), title: 'Support mirror' }
        : { id: -1009999, type: 'channel', username: chatKey.slice(1) },
      text: parsed.text,
      ...(parsed.entities.length > 0 ? { entities: parsed.entities } : {}),
      ...(thread === undefined ? {} : { message_thread_id: Number(thread), is_topic_message: true }),
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks).toString('utf8')
  if (raw === '') return {}
  const type = req.headers['content-type'] ?? ''
  if (type.includes('json')) return JSON.parse(raw) as Record<string, unknown>
  return Object.fromEntries(new URLSearchParams(raw))
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
