import type { EventKind, NormalizedEvent } from '../model.js'
import {
  type EventAuth,
  type EventEnvelope,
  invalidBody,
  isObject,
  join,
  type Obj,
  type Problem,
  readEnvelope,
  readId,
  readOptionalString,
  toExternalId,
  toInteger,
} from './event-schema.js'

/** Open-line event types and the kind of change each one means. */
export const openLineEventKinds: Readonly<Record<string, EventKind>> = {
  ONOPENLINEMESSAGEUPDATE: 'updated',
  ONOPENLINEMESSAGEADD: 'added',
  ONOPENLINEMESSAGEDELETE: 'deleted',
}

/** Items accepted in one `data.DATA`; matches the form parser's array limit so JSON gets no more. */
export const MAX_ITEMS = 100

/** What one delivery carries once validated: its type, its auth and one event per DATA item. */
export interface NormalizedDelivery {
  type: string
  auth: EventAuth
  events: NormalizedEvent[]
}

/** Fields every item of one delivery shares. */
interface Shared {
  kind: EventKind
  memberId: string
  domain: string
  connector: string | undefined
  line: number | undefined
  ts: number
  userToken: string | undefined
}

/**
 * Validates and normalizes a whole body (pure). Types that are not open-line message events carry
 * no message events (`events: []`). Throws BRG_ERR_BODY_INVALID listing every problem path.
 */
export function normalizeEvent(body: unknown): NormalizedDelivery {
  const envelope = readEnvelope(body)
  const kind = openLineEventKinds[envelope.type]
  const events = kind === undefined ? [] : normalizeItems(envelope, kind)
  return { type: envelope.type, auth: envelope.auth, events }
}

/**
 * One NormalizedEvent per `data.DATA` item. `DATA` is a list (doc shape, add, delete) or ONE object
 * (the server's update shape). Only `im.chat_id`/`im.message_id` are taken as Bitrix ids for updates
 * and deletes; `message.id`/`chat.id` there are connector-side ids, `message.text` only a hint.
 */
export function normalizeItems(envelope: EventEnvelope, kind: EventKind): NormalizedEvent[] {
  const data = envelope.data
  if (!isObject(data)) throw invalidBody([{ path: 'data', message: 'must be an object' }])
  const problems: Problem[] = []
  const shared: Shared = {
    kind,
    memberId: envelope.auth.memberId,
    domain: envelope.auth.domain,
    connector: readOptionalString(data, 'CONNECTOR', 'data', problems),
    line: data.LINE === undefined ? undefined : readId(data, 'LINE', 'data', problems),
    ts: envelope.ts,
    userToken: envelope.auth.accessToken,
  }
  const raw = data.DATA
  const items: unknown[] = Array.isArray(raw) ? raw : isObject(raw) ? [raw] : []
  if (items.length === 0)
    problems.push({ path: 'data.DATA', message: 'must be a non-empty list or an object' })
  if (items.length > MAX_ITEMS)
    problems.push({ path: 'data.DATA', message: `has more than ${MAX_ITEMS} items` })
  if (problems.length > 0) throw invalidBody(problems)

  const events: NormalizedEvent[] = []
  for (let i = 0; i < items.length; i++) {
    const path = Array.isArray(raw) ? `data.DATA[${i}]` : 'data.DATA'
    const item = items[i]
    if (!isObject(item)) {
      problems.push({ path, message: 'must be an object' })
      continue
    }
    const event =
      kind === 'added' ? readAddItem(item, path, shared, problems) : readImItem(item, path, shared, problems)
    if (event !== undefined) events.push(event)
  }
  if (problems.length > 0) throw invalidBody(problems)
  return events
}

/** Update / delete item: `{im:{chat_id,message_id}, message:{id, text?}, chat:{id}}`. */
function readImItem(
  item: Obj,
  path: string,
  shared: Shared,
  problems: Problem[],
): NormalizedEvent | undefined {
  const im = item.im
  const imPath = join(path, 'im')
  if (!isObject(im)) {
    problems.push({ path: imPath, message: 'must be an object with chat_id and message_id' })
    return undefined
  }
  const chatId = readId(im, 'chat_id', imPath, problems)
  const messageId = readId(im, 'message_id', imPath, problems)
  const message = isObject(item.message) ? item.message : undefined
  const chat = isObject(item.chat) ? item.chat : undefined
  return build(shared, shared.connector, shared.line, chatId, messageId, problems, {
    externalChatId: toExternalId(chat?.id),
    externalMessageIds: externalIds(message?.id),
    textHint: message?.text,
  })
}

/** Add item: `{connector:{connector_id,line_id,chat_id}, chat:{id}, message:{id,text,...}}`; ids are Bitrix's. */
function readAddItem(
  item: Obj,
  path: string,
  shared: Shared,
  problems: Problem[],
): NormalizedEvent | undefined {
  const chat = item.chat
  const message = item.message
  if (!isObject(chat)) problems.push({ path: join(path, 'chat'), message: 'must be an object with id' })
  if (!isObject(message)) problems.push({ path: join(path, 'message'), message: 'must be an object with id' })
  if (!isObject(chat) || !isObject(message)) return undefined
  const chatId = readId(chat, 'id', join(path, 'chat'), problems)
  const messageId = readId(message, 'id', join(path, 'message'), problems)
  const conn = isObject(item.connector) ? item.connector : undefined
  const connectorId = conn?.connector_id
  const connector =
    shared.connector ?? (typeof connectorId === 'string' && connectorId !== '' ? connectorId : undefined)
  const line = shared.line ?? positive(toInteger(conn?.line_id))
  return build(shared, connector, line, chatId, messageId, problems, {
    externalChatId: toExternalId(conn?.chat_id),
    externalMessageIds: [],
    textHint: message.text,
  })
}

interface Hints {
  externalChatId: string | undefined
  externalMessageIds: string[]
  textHint: unknown
}

function build(
  shared: Shared,
  connector: string | undefined,
  line: number | undefined,
  chatId: number,
  messageId: number,
  problems: Problem[],
  hints: Hints,
): NormalizedEvent | undefined {
  if (connector === undefined)
    problems.push({ path: 'data.CONNECTOR', message: 'must be a non-empty string' })
  if (line === undefined) problems.push({ path: 'data.LINE', message: 'must be a positive integer' })
  if (connector === undefined || line === undefined || chatId === 0 || messageId === 0) return undefined
  const event: NormalizedEvent = {
    kind: shared.kind,
    memberId: shared.memberId,
    domain: shared.domain,
    connector,
    line,
    chatId,
    messageId,
    externalMessageIds: hints.externalMessageIds,
    ts: shared.ts,
  }
  if (hints.externalChatId !== undefined) event.externalChatId = hints.externalChatId
  if (typeof hints.textHint === 'string' && hints.textHint !== '') event.textHint = hints.textHint
  if (shared.userToken !== undefined) event.userToken = shared.userToken
  return event
}

/** `message.id`: one id (doc shape) or a list of connector ids (server shape). Non-ids are dropped. */
function externalIds(value: unknown): string[] {
  if (!Array.isArray(value)) {
    const one = toExternalId(value)
    return one === undefined ? [] : [one]
  }
  const ids: string[] = []
  for (const v of value) {
    const id = toExternalId(v)
    if (id !== undefined) ids.push(id)
  }
  return ids
}

function positive(n: number | undefined): number | undefined {
  return n === undefined || n === 0 ? undefined : n
}
