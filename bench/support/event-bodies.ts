import { readFileSync } from 'node:fs'
import type { NormalizedEvent } from '../../src/model.js'

// The real ONOPENLINEMESSAGEUPDATE body from the shared fixtures (PHP http_build_query encoding,
// a user's edit, so auth carries user tokens too); only ids and ts change per event.
const template = readFileSync(
  new URL('../fixtures/onopenlinemessageupdate.docs.form.txt', import.meta.url),
  'utf8',
).trim()

/** The portal identity the fixture carries; the bench config serves exactly this portal. */
export const fixturePortal = {
  domain: 'example-portal.bitrix24.com',
  memberId: 'a223c6b3710f85df22e9377d6c4f7553',
  applicationToken: 'fake-apptoken-51856fefc120afa4',
}

/** The fixture body for an edit of `messageId` in `chatId` (ts: event time in seconds). */
export function editBody(messageId: number, chatId: number, ts = Math.floor(Date.now() / 1000)): string {
  return template
    .replaceAll('=2056', `=${messageId}`)
    .replaceAll('=1024', `=${chatId}`)
    .replace('&ts=1714649632', `&ts=${ts}`)
}

/** The chat a benchmark message lives in: ten messages per chat, like a busy open line. */
export const chatOf = (messageId: number) => 5000 + Math.floor(messageId / 10)

/** An edit of `messageId` in its benchmark chat. */
export const editOf = (messageId: number) => editBody(messageId, chatOf(messageId))

export const formType = 'application/x-www-form-urlencoded'

/** The fixture edit of one message as the receiver normalizes it (for enqueuing directly). */
export function normalizedEdit(messageId: number, ts: number): NormalizedEvent {
  return {
    kind: 'updated',
    memberId: fixturePortal.memberId,
    domain: fixturePortal.domain,
    connector: 'telegrambot',
    line: 128,
    chatId: chatOf(messageId),
    messageId,
    externalMessageIds: [String(messageId)],
    ts,
    userToken: 'fake-access-7f3c9e1d2b4a',
  }
}
