import type { App } from '../app.js'
import type { addEvent, deleteEvent, EventPortal, updateEvent } from './event-bodies.js'
import type { FakePortal } from './fake-portal/fake-portal.js'

interface ScriptDeps {
  app: App
  portal: FakePortal
  identity: EventPortal
  post(body: object): Promise<{ status: number; body: Record<string, unknown> }>
  out(line: string): void
  events: { addEvent: typeof addEvent; updateEvent: typeof updateEvent; deleteEvent: typeof deleteEvent }
}

const chatId = 1024

/** Wait until the pipeline has nothing queued or in flight. */
export async function settle(app: App, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [f, d] = await Promise.all([app.store.stats('fetch'), app.store.stats('deliver')])
    if (f.pending + f.leased + d.pending + d.leased === 0) return
    if (Date.now() > deadline) throw new Error('demo: the pipeline did not settle in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The demo's story: new message, edit, two quick edits, a forged event, a delete. */
export async function demoScript(deps: ScriptDeps): Promise<{ ok: boolean; summary: string }> {
  const { app, portal, identity, post, out, events } = deps
  const ts0 = Math.floor(Date.now() / 1000)
  let posted = 0
  let accepted = 0
  let rejected = 0
  const send = async (label: string, body: object) => {
    posted++
    // The heading first: what the bridge logs while handling the event (a refusal) comes under it.
    out(`\n>>> ${label}`)
    const res = await post(body)
    if (res.status === 200) accepted++
    else rejected++
    out(`    answered HTTP ${res.status} ${JSON.stringify(res.body)}`)
    return res
  }

  portal.addUser({ id: 7, name: 'Anna Petrova' })
  portal.addUser({ id: 12, name: 'Ivan Orlov' })
  const first = 'Your order #4411 ships [b]tomorrow[/b].'
  portal.setMessage({ id: 2057, chatId, authorId: 7, text: first })
  await send(
    'operator writes message 2057',
    events.addEvent(identity, { chatId, messageId: 2057, text: first }, { ts: ts0 }),
  )
  portal.setMessage({
    id: 2058,
    chatId,
    authorId: 7,
    text: 'Track it here: [url=https://example.com/t/4411]parcel 4411[/url]',
  })
  await send(
    'operator writes message 2058',
    events.addEvent(identity, { chatId, messageId: 2058, text: 'Track it' }, { ts: ts0 }),
  )
  await settle(app)

  const edited =
    'Your order #4411 ships [i]today[/i] & arrives <Friday>\n>>[USER=12 REPLACE]Ivan Orlov[/USER] wrote:\n>>When will it ship?'
  portal.setMessage({ id: 2057, chatId, authorId: 7, text: edited })
  await send(
    'operator edits 2057 (server payload shape, text hint carries the signature)',
    events.updateEvent(
      identity,
      [{ chatId, messageId: 2057, externalIds: ['5521'], text: `[b]Anna Petrova:[/b][br] ${edited}` }],
      {
        shape: 'server',
        ts: ts0 + 1,
      },
    ),
  )
  await settle(app)

  portal.setMessage({
    id: 2058,
    chatId,
    authorId: 7,
    text: 'Track it here: [url=https://example.com/t/4411]parcel 4411[/url] (DHL)',
  })
  await send(
    'quick edit #1 of 2058',
    events.updateEvent(identity, [{ chatId, messageId: 2058 }], { ts: ts0 + 2 }),
  )
  portal.setMessage({
    id: 2058,
    chatId,
    authorId: 7,
    text: 'Track it here: [url=https://example.com/t/4411]parcel 4411[/url] (DHL Express)',
  })
  await send(
    'quick edit #2 of 2058',
    events.updateEvent(identity, [{ chatId, messageId: 2058 }], { ts: ts0 + 3 }),
  )
  await settle(app)

  const forged = await send(
    'forged edit with a wrong application token',
    events.updateEvent(
      { ...identity, applicationToken: 'not-the-real-token' },
      [{ chatId, messageId: 2057 }],
      { ts: ts0 + 4 },
    ),
  )

  portal.deleteMessage(2058)
  await send(
    'operator deletes 2058',
    events.deleteEvent(identity, { chatId, messageId: 2058 }, { ts: ts0 + 5 }),
  )
  await settle(app)

  const log = await app.store.listDeliveries({ limit: 1000 })
  const delivered = log.filter((e) => e.status === 'delivered' && e.output !== '-')
  const count = (action: string) => delivered.filter((e) => e.action === action).length
  const failed = log.filter((e) => e.status === 'failed' || e.status === 'dead').length
  const dead = await app.store.listDead()
  const expected = { send: 2, update: 2, deleted: 1 }
  const deletes = count('strike') + count('delete')
  const ok =
    forged.status === 401 &&
    count('send') === expected.send &&
    count('update') === expected.update &&
    deletes === expected.deleted &&
    dead.length === 0
  const summary =
    `\ndemo ${ok ? 'OK' : 'FAILED'}: ${posted} events posted (${accepted} accepted, ${rejected} rejected as forged); ` +
    `${portal.stats.requests} REST requests to the portal; mirrors: ${count('send')} created, ${count('update')} edited ` +
    `(2 quick edits of 2058 coalesced into 1), ${deletes} deleted; ${failed} failed deliveries, ${dead.length} dead letters`
  return { ok, summary }
}
