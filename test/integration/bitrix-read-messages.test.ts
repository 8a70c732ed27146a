import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/create-client.js'
import type { MessageRef, PortalRecord, ReadResult } from '../../src/bitrix/types.js'
import { ErrorCodes } from '../../src/errors.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'

let fake: FakePortal
let portal: PortalRecord

const client = (retries = 0) =>
  createBitrixClient({ rateLimit: { burst: 50, perSecond: 50 }, timeoutMs: 2000, retries, backoffBaseMs: 10 })

function ok(result: ReadResult | undefined) {
  if (result?.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`)
  return result
}

beforeEach(async () => {
  fake = await startFakePortal()
  portal = { id: 'member-1', domain: fake.host, webhookUrl: fake.webhookUrl }
  fake.addUser({ id: 7, name: 'Anna Petrova' })
  fake.setMessage({ id: 2050, chatId: 1024, authorId: 7, text: 'An older message' })
  fake.setMessage({
    id: 2057,
    chatId: 1024,
    authorId: 7,
    text: 'Ships [i]tomorrow[/i]',
    files: [{ id: 331, name: 'invoice.pdf' }],
  })
})

afterEach(async () => {
  await fake.close()
})

describe('readMessages against a fake portal', () => {
  it('reads one message with author and files', async () => {
    const [result] = await client().readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    const read = ok(result)
    expect(read.source).toBe('im.dialog.messages.get')
    expect(read.unverified).toBe(false)
    expect(read.message).toMatchObject({ id: 2057, chatId: 1024, authorName: 'Anna Petrova' })
    expect(read.message.text).toBe('Ships [i]tomorrow[/i]')
    expect(read.message.files).toEqual([
      {
        id: 331,
        name: 'invoice.pdf',
        size: 1024,
        url: `${fake.url}/bitrix/services/main/ajax.php?action=disk.api.file.download&SITE_ID=s1&humanRE=1&fileId=331&fileName=invoice.pdf`,
      },
    ])
    // bitrix.files: link (the default) asks for no public link.
    expect(fake.requests.map((r) => r.method)).toEqual(['batch'])
    expect(fake.publicLinks.size).toBe(0)
  })

  it('says deleted for a soft-deleted message (IS_DELETED), the way the chat deletes', async () => {
    fake.deleteMessage(2057)
    const [result] = await client().readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    expect(result).toEqual({ status: 'deleted' })
  })

  it('says unreadable, never deleted, when the older message the portal sends came instead', async () => {
    fake.eraseMessage(2057)
    const [result] = await client().readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    expect(result?.status).toBe('unreadable')
  })

  it('mirrors an edit the reader cannot see (joined later) from the event text, unverified', async () => {
    // The server-shape event carries the new text; the reader joined the chat after the message.
    fake.setJoinedFrom(1024, 2058)
    const ref = { chatId: 1024, messageId: 2057, textHint: '[b]Anna Petrova:[/b][br] Ships on Friday' }
    const read = ok((await client().readMessages(portal, [ref]))[0])
    expect(read).toMatchObject({ source: 'event-text', unverified: true })
    expect(read.message.text).toBe('Ships on Friday')
  })

  it('says unreadable with the reason when the reader cannot see it and the event has no text', async () => {
    fake.setJoinedFrom(1024, 2058)
    const [result] = await client().readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    expect(result).toEqual({ status: 'unreadable', reason: expect.stringContaining('joined the chat later') })
  })

  it('reads a message of an older session by SESSION_ID when the ref knows its session', async () => {
    // History by CHAT_ID covers the latest session only.
    fake.setMember(1024, false)
    fake.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'from session 1', sessionId: 101 })
    fake.setMessage({ id: 2090, chatId: 1024, authorId: 7, text: 'session 2', sessionId: 102 })
    const [byChat] = await client().readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    expect(byChat?.status).toBe('unreadable')
    fake.requests.length = 0
    const [bySession] = await client().readMessages(portal, [
      { chatId: 1024, messageId: 2057, sessionId: 101 },
    ])
    expect(ok(bySession).message.text).toBe('from session 1')
    const history = fake.requests
      .flatMap((r) => r.commands ?? [])
      .filter((c) => c.method.startsWith('imopenlines'))
    expect(history.map((c) => c.params)).toEqual([{ SESSION_ID: '101' }])
  })

  it('retries by SESSION_ID after the dialog read could not see it and there is no text', async () => {
    fake.setJoinedFrom(1024, 2058)
    const [result] = await client().readMessages(portal, [
      { chatId: 1024, messageId: 2057, sessionId: 10240 },
    ])
    expect(ok(result).source).toBe('imopenlines.session.history.get')
  })

  it('falls back to line history when the webhook user is not a chat member', async () => {
    fake.setMember(1024, false)
    const [result] = await client().readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    const read = ok(result)
    expect(read.source).toBe('imopenlines.session.history.get')
    expect(read.message).toMatchObject({ text: 'Ships [i]tomorrow[/i]', authorName: 'Anna Petrova' })
  })

  it('says unreadable (not deleted) when the latest session history does not hold it either', async () => {
    fake.setMember(1024, false)
    const [result] = await client().readMessages(portal, [{ chatId: 1024, messageId: 9999 }])
    expect(result).toEqual({
      status: 'unreadable',
      reason: expect.stringContaining('latest open-line session'),
    })
  })

  it('uses the event text, signature removed and marked unverified, when nothing can be read', async () => {
    fake.setMember(1024, false)
    fake.setHistoryAccess(false)
    const ref = { chatId: 1024, messageId: 2057, textHint: '[b]Anna Petrova:[/b][br] Ships on Friday' }
    const read = ok((await client().readMessages(portal, [ref]))[0])
    expect(read).toMatchObject({ source: 'event-text', unverified: true })
    expect(read.message).toMatchObject({ id: 2057, chatId: 1024, text: 'Ships on Friday' })
  })

  it('names the missing right when nothing can be read and the event had no text', async () => {
    fake.setMember(1024, false)
    fake.setHistoryAccess(false)
    const [result] = await client().readMessages(portal, [{ chatId: 1024, messageId: 2057 }])
    expect(result?.status).toBe('error')
    if (result?.status !== 'error') return
    expect(result.error).toMatchObject({ code: ErrorCodes.BITRIX_NO_READ_ACCESS, retryable: false })
    expect(result.error.message).toContain('not a member of chat 1024')
  })

  it('reads 120 messages in 3 HTTP requests and keeps the order of the refs', async () => {
    const refs: MessageRef[] = []
    for (let i = 0; i < 120; i++) {
      const id = 5000 + i * 2
      fake.setMessage({ id, chatId: 2000 + (i % 7), authorId: 7, text: `text ${id}` })
      refs.push({ chatId: 2000 + (i % 7), messageId: id })
    }
    refs.reverse()
    const results = await client().readMessages(portal, refs)
    expect(results.map((r) => ok(r).message.text)).toEqual(refs.map((r) => `text ${r.messageId}`))
    expect(fake.stats.requests).toBeLessThanOrEqual(3)
    expect(Math.max(...fake.requests.map((r) => r.commands?.length ?? 0))).toBeLessThanOrEqual(50)
  })

  it('honours a smaller batch size (pipeline.batchSize)', async () => {
    const refs: MessageRef[] = []
    for (let id = 1; id <= 25; id++) {
      fake.setMessage({ id, chatId: 2000, authorId: 7, text: `text ${id}` })
      refs.push({ chatId: 2000, messageId: id })
    }
    const small = createBitrixClient({
      rateLimit: { burst: 50, perSecond: 50 },
      timeoutMs: 2000,
      retries: 0,
      batchSize: 10,
    })
    const results = await small.readMessages(portal, refs)
    expect(results.every((r) => r.status === 'ok')).toBe(true)
    expect(fake.requests.map((r) => r.commands?.length ?? 0).sort((a, b) => a - b)).toEqual([5, 10, 10])
  })

  it('keeps each item to itself: one deleted, one denied, one fine, in one batch', async () => {
    fake.setMessage({ id: 3001, chatId: 3000, authorId: 7, text: 'in a foreign chat' })
    fake.setMember(3000, false)
    fake.deleteMessage(2057)
    fake.setMessage({ id: 2058, chatId: 1024, authorId: 7, text: 'fine' })
    const refs = [
      { chatId: 1024, messageId: 2057 },
      { chatId: 3000, messageId: 3001 },
      { chatId: 1024, messageId: 2058 },
    ]
    const [deleted, fallback, fine] = await client().readMessages(portal, refs)
    expect(deleted).toEqual({ status: 'deleted' })
    expect(ok(fallback).source).toBe('imopenlines.session.history.get')
    expect(ok(fine).message.text).toBe('fine')
    expect(fake.requests.map((r) => r.method)).toEqual(['batch', 'batch'])
  })

  it('gives every item of a failed batch the retryable error', async () => {
    fake.failNext(5, { status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many' } })
    const refs = [
      { chatId: 1024, messageId: 2057 },
      { chatId: 1024, messageId: 2050 },
    ]
    const results = await client(1).readMessages(portal, refs)
    for (const result of results) {
      expect(result.status === 'error' && result.error).toMatchObject({
        code: ErrorCodes.BITRIX_RATE_LIMITED,
        retryable: true,
      })
    }
    expect(fake.stats.requests).toBe(2)
  })

  it('reports a portal without a webhook URL as not configured, without any request', async () => {
    const [result] = await client().readMessages({ id: 'x', domain: 'x.bitrix24.com' }, [
      { chatId: 1, messageId: 2 },
    ])
    expect(result?.status === 'error' && result.error.code).toBe(ErrorCodes.BITRIX_NOT_CONFIGURED)
    expect(fake.stats.requests).toBe(0)
  })
})
