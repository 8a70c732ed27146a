import { describe, expect, it } from 'vitest'
import type { NormalizedEvent } from '../../../src/model.js'
import { coalescePayloads } from '../../../src/pipeline/coalesce.js'
import type { DeliverPayload, FetchPayload } from '../../../src/pipeline/jobs.js'

const event = (over: Partial<NormalizedEvent>): NormalizedEvent => ({
  kind: 'updated',
  memberId: 'm',
  domain: 'd',
  connector: 'telegrambot',
  line: 1,
  chatId: 1,
  messageId: 5,
  externalMessageIds: [],
  ts: 100,
  ...over,
})
const fetchP = (e: Partial<NormalizedEvent>): FetchPayload => ({ portal: 'm', event: event(e) })

describe('coalescePayloads', () => {
  it('keeps the newest event of a message, whatever order they arrive in', () => {
    const a = fetchP({ ts: 100, textHint: 'old' })
    const b = fetchP({ ts: 200, textHint: 'new' })
    expect((coalescePayloads(a, b) as FetchPayload).event.textHint).toBe('new')
    expect((coalescePayloads(b, a) as FetchPayload).event.textHint).toBe('new')
  })

  it('keeps an unsent add as an add, and lets a later delete win', () => {
    const merged = coalescePayloads(
      fetchP({ kind: 'added', ts: 1 }),
      fetchP({ kind: 'updated', ts: 2 }),
    ) as FetchPayload
    expect(merged.event.kind).toBe('added')
    const deleted = coalescePayloads(
      fetchP({ kind: 'added', ts: 1 }),
      fetchP({ kind: 'deleted', ts: 2 }),
    ) as FetchPayload
    expect(deleted.event.kind).toBe('deleted')
  })

  it('keeps a user token from an older event when the newest has none', () => {
    const merged = coalescePayloads(fetchP({ ts: 1, userToken: 'tok' }), fetchP({ ts: 2 })) as FetchPayload
    expect(merged.event.userToken).toBe('tok')
  })

  it('keeps the newest version of a deliver job', () => {
    const d = (version: number, text: string): DeliverPayload => ({
      portal: 'm',
      output: 'o',
      version,
      message: {
        portal: 'm',
        domain: 'd',
        connector: 'c',
        line: 1,
        chatId: 1,
        messageId: 5,
        ast: [],
        plainText: text,
        bbcode: text,
        files: [],
        editedAt: '',
        kind: 'updated',
      },
    })
    expect((coalescePayloads(d(2, 'new'), d(1, 'old')) as DeliverPayload).message.plainText).toBe('new')
    expect((coalescePayloads(d(1, 'old'), d(3, 'newer')) as DeliverPayload).message.plainText).toBe('newer')
  })
})
