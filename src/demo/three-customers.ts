import type { App } from '../app.js'
import type { addEvent, deleteEvent, EventPortal, updateEvent } from './event-bodies.js'
import type { FakePortal } from './fake-portal/fake-portal.js'

interface ActDeps {
  app: App
  portal: FakePortal
  identity: EventPortal
  post(body: object): Promise<{ status: number; body: Record<string, unknown> }>
  out(line: string): void
  settle(): Promise<void>
  events: { addEvent: typeof addEvent; updateEvent: typeof updateEvent; deleteEvent: typeof deleteEvent }
}

const customers = [
  { chatId: 3001, userId: 101, name: 'Ivan Petrov', connector: 'telegrambot' },
  { chatId: 3002, userId: 102, name: 'Maria Lopez', connector: 'whatsappbyedna' },
  { chatId: 3003, userId: 103, name: 'Kenji Sato', connector: 'livechat' },
] as const

/** Each customer's conversation: who writes what, in Bitrix24 order. */
const lines = [
  ['customer', 'Hi, where is my order #4411?'],
  ['operator', 'Hello! Let me check that for you.'],
  ['customer', 'Thanks, I am in a hurry.'],
  ['operator', 'It ships [b]today[/b].'],
] as const

/**
 * Act two: three customers chat at once. Their messages are written interleaved and every event
 * is posted at the same moment, later ones first; the console still shows three conversations,
 * each under its own header and in Bitrix24 order. Then an edit and a delete in Ivan's chat.
 * Returns whether every conversation reached the console in order, with the edit and the delete.
 */
export async function threeCustomers(deps: ActDeps): Promise<{ ok: boolean; summary: string }> {
  const { app, portal, identity, post, out, events } = deps
  const ts0 = Math.floor(Date.now() / 1000) + 10
  out('\n=== act two: three customers chatting at once ===')
  portal.addUser({ id: 7, name: 'Anna Petrova' })
  for (const c of customers) {
    portal.addUser({ id: c.userId, name: c.name })
    portal.setChat({
      chatId: c.chatId,
      title: `${c.name} - Support`,
      connector: c.connector,
      line: 128,
      sessionId: c.chatId * 10,
    })
  }
  // Bitrix24 numbers messages across chats: 4001 (Ivan), 4002 (Maria), 4003 (Kenji), 4004 (Ivan)…
  const written: Array<{ chatId: number; messageId: number; connector: string; text: string }> = []
  lines.forEach(([who, text], i) => {
    customers.forEach((c, k) => {
      const messageId = 4001 + i * customers.length + k
      portal.setMessage({
        id: messageId,
        chatId: c.chatId,
        authorId: who === 'operator' ? 7 : c.userId,
        text,
      })
      written.push({ chatId: c.chatId, messageId, connector: c.connector, text })
    })
  })
  const posted = await Promise.all(
    [...written]
      .reverse()
      .map((m) => post(events.addEvent(identity, m, { ts: ts0, connector: m.connector }))),
  )
  out(
    `\n>>> ${posted.length} messages of 3 chats posted at once, newest first: HTTP ${[...new Set(posted.map((p) => p.status))].join(',')}`,
  )
  await deps.settle()

  const ivan = customers[0]
  const edited = 'It ships [b]today[/b] — tracking: [url=https://example.com/t/4411]parcel 4411[/url]'
  portal.setMessage({ id: 4010, chatId: ivan.chatId, authorId: 7, text: edited })
  out("\n>>> operator edits the last message in Ivan Petrov's chat (4010)")
  await post(events.updateEvent(identity, [{ chatId: ivan.chatId, messageId: 4010 }], { ts: ts0 + 1 }))
  await deps.settle()
  portal.deleteMessage(4007)
  out('\n>>> Ivan Petrov deletes his message 4007')
  await post(events.deleteEvent(identity, { chatId: ivan.chatId, messageId: 4007 }, { ts: ts0 + 2 }))
  await deps.settle()

  // The console's sends, oldest first: each chat's must be in message-id order.
  const log = (await app.store.listDeliveries({ limit: 1000 })).reverse()
  const sends = log.filter((e) => e.status === 'delivered' && e.action === 'send' && e.messageId >= 4001)
  const inOrder = customers.every((c) => {
    const ids = sends.filter((e) => written.some((m) => m.messageId === e.messageId && m.chatId === c.chatId))
    const order = ids.map((e) => e.messageId)
    return order.length === lines.length && order.every((id, i) => i === 0 || id > (order[i - 1] ?? 0))
  })
  const edits = log.filter((e) => e.status === 'delivered' && e.action === 'update' && e.messageId === 4010)
  const deletes = log.filter(
    (e) =>
      e.status === 'delivered' && (e.action === 'strike' || e.action === 'delete') && e.messageId === 4007,
  )
  const ok = inOrder && edits.length === 1 && deletes.length === 1
  const summary =
    `act two ${ok ? 'OK' : 'FAILED'}: 3 conversations, ${sends.length} messages, each chat in Bitrix24 order: ${inOrder}; ` +
    `${edits.length} edit and ${deletes.length} delete inside Ivan Petrov's conversation`
  return { ok, summary }
}
