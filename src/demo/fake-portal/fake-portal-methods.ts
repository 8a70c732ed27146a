import qs from 'qs'
import { fileJson } from './fake-portal-files.js'

// The REST methods a fake Bitrix24 portal answers, over an in-memory table. No vitest imports:
// the demo and the benchmarks load this through tsx.

export interface FakeFile {
  id: number
  name: string
  /** Bytes (default 1024). */
  size?: number
  /** Still uploading: Bitrix24 sends empty URLs, size 0 and status `upload`. */
  uploading?: boolean
}

export interface FakeMessage {
  id: number
  chatId: number
  authorId: number
  text: string
  date?: string
  files?: FakeFile[]
  params?: Record<string, unknown>
  /** Open-line session the message belongs to (default `chatId * 10`). */
  sessionId?: number
}

export interface FakeUser {
  id: number
  name: string
}

export type FakeMethod = (params: Record<string, unknown>) => unknown

export interface FakePortalState {
  messages: Map<number, FakeMessage>
  users: Map<number, FakeUser>
  /** Chats the webhook user is NOT a member of (im.dialog.messages.get → 403 ACCESS_ERROR). */
  nonMemberChats: Set<number>
  /**
   * Chat → first message id the reader can see: `im.dialog.messages.get` hides what was written
   * before the reader joined the chat (it answers with what it may show, never an error).
   */
  joinedFrom: Map<number, number>
  /** Whether the webhook user may read open-line history. */
  historyAccess: boolean
  /** Extra methods registered by a test or the demo. */
  custom: Map<string, FakeMethod>
  /** event.* and app.info (fake-portal-events.ts); `custom` overrides them. */
  builtin: Map<string, FakeMethod>
  /** Base for file URLs. */
  origin: string
  /**
   * Scopes of the webhook or app (undefined: every scope). A method of a scope not listed answers
   * 403 `insufficient_scope`, alone or inside a batch.
   */
  scopes?: Set<string>
  /** Charges each method call against its operating-time budget (429 when over it). */
  charge?: (method: string) => void
  /** The `time` block of one method's reply (`result_time` entries of a batch). */
  timeOf?: (method: string, startedAt: number) => Record<string, unknown>
}

/** A REST error reply: `{error, error_description}` with an HTTP status. */
export class FakeRestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`)
  }
}

const maxBatch = 50

function dateOf(message: FakeMessage): string {
  return message.date ?? new Date(Date.UTC(2024, 4, 2, 11, 0, 0) + message.id * 1000).toISOString()
}

function chatIdFromDialog(value: unknown): number {
  const match = /^chat(\d+)$/.exec(String(value ?? ''))
  if (match === null) throw new FakeRestError(400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty")
  return Number(match[1])
}

function messagesOf(state: FakePortalState, chatId: number): FakeMessage[] {
  return [...state.messages.values()].filter((m) => m.chatId === chatId).sort((a, b) => b.id - a.id)
}

const sessionOf = (m: FakeMessage) => m.sessionId ?? m.chatId * 10

function messageJson(message: FakeMessage) {
  const params = { ...message.params }
  if (message.files !== undefined && message.files.length > 0) params.FILE_ID = message.files.map((f) => f.id)
  return {
    id: message.id,
    chat_id: message.chatId,
    author_id: message.authorId,
    date: dateOf(message),
    text: message.text,
    params,
  }
}

/** LAST_ID: only ids below it, newest first — so a deleted message yields the next older one. */
function dialogMessagesGet(state: FakePortalState, params: Record<string, unknown>) {
  const chatId = chatIdFromDialog(params.DIALOG_ID)
  if (state.nonMemberChats.has(chatId)) {
    throw new FakeRestError(403, 'ACCESS_ERROR', 'You do not have access to the specified dialog')
  }
  const lastId = params.LAST_ID === undefined ? Number.POSITIVE_INFINITY : Number(params.LAST_ID)
  const limit = Math.min(50, Math.max(1, Number(params.LIMIT ?? 20)))
  const firstVisible = state.joinedFrom.get(chatId) ?? 0
  const picked = messagesOf(state, chatId)
    .filter((m) => m.id < lastId && m.id >= firstVisible)
    .slice(0, limit)
  const authors = new Set(picked.map((m) => m.authorId))
  return {
    chat_id: chatId,
    messages: picked.map(messageJson),
    users: [...authors].flatMap((id) => {
      const user = state.users.get(id)
      return user === undefined ? [] : [{ id: user.id, name: user.name, bot: false }]
    }),
    files: picked.flatMap((m) => (m.files ?? []).map((f) => fileJson(state, m, f))),
  }
}

/**
 * `imopenlines.session.history.get`: by `SESSION_ID`, that session's messages; by `CHAT_ID` alone,
 * only the chat's LATEST session (the method resolves the chat to its last session first).
 */
function sessionHistoryGet(state: FakePortalState, params: Record<string, unknown>) {
  if (!state.historyAccess) throw new FakeRestError(403, 'ACCESS_DENIED', 'Access denied')
  const asked = Number(params.SESSION_ID ?? 0)
  let chatId = Number(params.CHAT_ID)
  let sessionId = asked
  if (asked > 0) {
    const first = [...state.messages.values()].find((m) => sessionOf(m) === asked)
    if (first === undefined) throw new FakeRestError(400, 'SESSION_ID_EMPTY', 'Session not found')
    chatId = first.chatId
  } else {
    if (!Number.isInteger(chatId) || chatId <= 0)
      throw new FakeRestError(400, 'CHAT_ID_EMPTY', 'Chat ID empty')
    sessionId = Math.max(chatId * 10, ...messagesOf(state, chatId).map(sessionOf))
  }
  const message: Record<string, unknown> = {}
  const users: Record<string, unknown> = {}
  const files: Record<string, unknown> = {}
  for (const m of messagesOf(state, chatId).filter((candidate) => sessionOf(candidate) === sessionId)) {
    const json = messageJson(m)
    message[m.id] = {
      id: m.id,
      chatid: chatId,
      senderid: m.authorId,
      date: json.date,
      text: m.text,
      textlegacy: m.text,
      params: json.params,
    }
    const user = state.users.get(m.authorId)
    if (user !== undefined) users[user.id] = { id: user.id, name: user.name }
    for (const f of m.files ?? []) files[f.id] = fileJson(state, m, f)
  }
  return { chatId, sessionId, message, users, files }
}

// The scope each method family needs (REST docs, each method's "Scope:" line).
const scopedFamilies = new Set(['im', 'imopenlines', 'disk', 'imbot', 'crm', 'user'])

function checkScope(state: FakePortalState, method: string): void {
  const family = method.split('.')[0] ?? ''
  if (state.scopes === undefined || !scopedFamilies.has(family) || state.scopes.has(family)) return
  throw new FakeRestError(
    403,
    'insufficient_scope',
    'The request requires higher privileges than provided by the webhook token',
  )
}

export function runMethod(state: FakePortalState, method: string, params: Record<string, unknown>): unknown {
  checkScope(state, method)
  state.charge?.(method)
  const custom = state.custom.get(method) ?? state.builtin.get(method)
  if (custom !== undefined) return custom(params)
  if (method === 'im.dialog.messages.get') return dialogMessagesGet(state, params)
  if (method === 'imopenlines.session.history.get') return sessionHistoryGet(state, params)
  if (method === 'server.time') return new Date().toISOString()
  throw new FakeRestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!')
}

export interface FakeBatchCommand {
  key: string
  method: string
  params: Record<string, unknown>
}

export function parseBatchCommands(params: Record<string, unknown>): FakeBatchCommand[] {
  const cmd = params.cmd
  if (typeof cmd !== 'object' || cmd === null) return []
  return Object.entries(cmd as Record<string, unknown>).map(([key, value]) => {
    const [method = '', query = ''] = String(value).split(/\?(.*)/s)
    return { key, method, params: qs.parse(query, { depth: 10 }) as Record<string, unknown> }
  })
}

/** `batch`: per-command result or result_error, HTTP 200 either way. Empty maps are `[]`, as PHP sends them. */
export function runBatch(state: FakePortalState, commands: FakeBatchCommand[], halt: boolean) {
  if (commands.length > maxBatch) {
    throw new FakeRestError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', `Max batch length exceeded ${maxBatch}`)
  }
  const result: Record<string, unknown> = {}
  const errors: Record<string, unknown> = {}
  const times: Record<string, unknown> = {}
  for (const command of commands) {
    const startedAt = Date.now() / 1000
    try {
      result[command.key] = runMethod(state, command.method, command.params)
      if (state.timeOf !== undefined) times[command.key] = state.timeOf(command.method, startedAt)
    } catch (err) {
      if (!(err instanceof FakeRestError)) throw err
      errors[command.key] = { error: err.error, error_description: err.description }
      if (halt) break
    }
  }
  const orList = (map: Record<string, unknown>) => (Object.keys(map).length === 0 ? [] : map)
  return {
    result: orList(result),
    result_error: orList(errors),
    result_total: [],
    result_next: [],
    result_time: orList(times),
  }
}
