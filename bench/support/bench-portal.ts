import { type FakePortal, startFakePortal } from '../../src/demo/fake-portal/fake-portal.js'

export interface BenchPortal {
  portal: FakePortal
  /** `im.dialog.messages.get` reads per message id (inside batches too). */
  reads: Map<number, number>
  /** When each message was first read (`performance.now()`, the figures' clock). */
  firstReadAt: Map<number, number>
  /** Set the message's current version (its text ends with `#<id>.<version>`). */
  setVersion(messageId: number, version: number): void
  close(): Promise<void>
}

/** Current text of a message as the portal stores it; mirrors end with the same marker. */
export const textOf = (messageId: number, version: number) =>
  `Edited [b]reply[/b] to the customer #${messageId}.${version}`

export const markerOf = (messageId: number, version: number) => `#${messageId}.${version}`

/**
 * The fake portal (real leaky bucket when `rateLimit` is given) with an O(1)
 * `im.dialog.messages.get` for `LAST_ID = id + 1, LIMIT = 1`, the read the bridge makes: the
 * stock handler scans every stored message per call, which would make the portal, not the bridge,
 * the bottleneck at 100k messages. Every id exists; its text carries its current version.
 */
export async function startBenchPortal(rateLimit?: {
  burst: number
  perSecond: number
}): Promise<BenchPortal> {
  const portal = await startFakePortal(rateLimit === undefined ? {} : { rateLimit })
  const reads = new Map<number, number>()
  const firstReadAt = new Map<number, number>()
  const versions = new Map<number, number>()
  portal.handle('im.dialog.messages.get', (params) => {
    const chatId = Number(String(params.DIALOG_ID).replace(/^chat/, ''))
    const id = Number(params.LAST_ID) - 1
    reads.set(id, (reads.get(id) ?? 0) + 1)
    if (!firstReadAt.has(id)) firstReadAt.set(id, performance.now())
    return {
      chat_id: chatId,
      messages: [
        {
          id,
          chat_id: chatId,
          author_id: 7,
          date: '2024-05-02T11:33:52+00:00',
          text: textOf(id, versions.get(id) ?? 1),
          params: {},
        },
      ],
      users: [{ id: 7, name: 'Anna Petrova', bot: false }],
      files: [],
    }
  })
  return {
    portal,
    reads,
    firstReadAt,
    setVersion: (messageId, version) => void versions.set(messageId, version),
    close: () => portal.close(),
  }
}
