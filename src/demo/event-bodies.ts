import { stringify } from 'qs'

/** Portal identity an event carries in `auth`. */
export interface EventPortal {
  memberId: string
  domain: string
  applicationToken: string
  /** Set to simulate an edit made by a user (their tokens ride along); omit for robots. */
  accessToken?: string
}

export interface EventMessage {
  chatId: number
  messageId: number
  /** Connector-side ids (server shape `message.id`). */
  externalIds?: string[]
  /** New text as the connector copy carries it (server shape), signature included. */
  text?: string
}

export interface EventOptions {
  connector?: string
  line?: number
  ts?: number
  /** `docs`: DATA is a list (official page). `server`: DATA is one object (server code). */
  shape?: 'docs' | 'server'
}

function auth(portal: EventPortal): Record<string, string> {
  const a: Record<string, string> = {
    scope: 'imopenlines,im,imconnector',
    domain: portal.domain,
    server_endpoint: 'https://oauth.bitrix.info/rest/',
    status: 'L',
    client_endpoint: `https://${portal.domain}/rest/`,
    member_id: portal.memberId,
    application_token: portal.applicationToken,
  }
  if (portal.accessToken) {
    Object.assign(a, { access_token: portal.accessToken, expires_in: '3600', user_id: '7' })
  }
  return a
}

/** Encode like PHP's http_build_query: bracket keys, every value a string, `+` for spaces. */
export function encodeForm(body: object): string {
  return stringify(body, { format: 'RFC1738' })
}

/** An ONOPENLINEMESSAGEUPDATE delivery for one or more edited messages. */
export function updateEvent(
  portal: EventPortal,
  messages: EventMessage[],
  options: EventOptions = {},
): object {
  const item = (m: EventMessage) => {
    const server = options.shape === 'server'
    const message: Record<string, unknown> = {
      id: server ? (m.externalIds ?? [String(m.messageId)]) : m.messageId,
    }
    if (m.text !== undefined) message.text = m.text
    return { im: { chat_id: m.chatId, message_id: m.messageId }, message, chat: { id: m.chatId } }
  }
  const first = messages[0]
  const data = options.shape === 'server' && messages.length === 1 && first ? item(first) : messages.map(item)
  return {
    event: 'ONOPENLINEMESSAGEUPDATE',
    event_handler_id: '58',
    data: { CONNECTOR: options.connector ?? 'telegrambot', LINE: options.line ?? 128, DATA: data },
    ts: options.ts ?? Math.floor(Date.now() / 1000),
    auth: auth(portal),
  }
}

/** An ONOPENLINEMESSAGEADD delivery: an operator wrote a new message. */
export function addEvent(
  portal: EventPortal,
  m: EventMessage & { text: string },
  options: EventOptions = {},
): object {
  const connector = options.connector ?? 'telegrambot'
  const line = options.line ?? 128
  return {
    event: 'ONOPENLINEMESSAGEADD',
    event_handler_id: '57',
    data: {
      CONNECTOR: connector,
      LINE: line,
      DATA: [
        {
          connector: {
            connector_id: connector,
            line_id: line,
            chat_id: '380991234567',
            user_id: '380991234567',
          },
          chat: { id: m.chatId },
          message: {
            id: m.messageId,
            date: options.ts ?? Math.floor(Date.now() / 1000),
            text: m.text,
            system: 'N',
            user_id: 7,
          },
        },
      ],
    },
    ts: options.ts ?? Math.floor(Date.now() / 1000),
    auth: auth(portal),
  }
}

/** An ONOPENLINEMESSAGEDELETE delivery. */
export function deleteEvent(portal: EventPortal, m: EventMessage, options: EventOptions = {}): object {
  return {
    event: 'ONOPENLINEMESSAGEDELETE',
    event_handler_id: '59',
    data: {
      CONNECTOR: options.connector ?? 'telegrambot',
      LINE: options.line ?? 128,
      DATA: [
        {
          im: { chat_id: m.chatId, message_id: m.messageId },
          message: { id: m.externalIds?.[0] ?? String(m.messageId) },
          chat: { id: m.chatId },
        },
      ],
    },
    ts: options.ts ?? Math.floor(Date.now() / 1000),
    auth: auth(portal),
  }
}
