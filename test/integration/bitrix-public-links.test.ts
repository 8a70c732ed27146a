import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/create-client.js'
import type { PortalRecord, ReadResult } from '../../src/bitrix/types.js'
import { captureLog } from '../support/capture-log.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'

let fake: FakePortal
let portal: PortalRecord

function ok(result: ReadResult | undefined) {
  if (result?.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`)
  return result
}

beforeEach(async () => {
  fake = await startFakePortal()
  portal = { id: 'member-1', domain: fake.host, webhookUrl: fake.webhookUrl }
  fake.addUser({ id: 7, name: 'Anna Petrova' })
  fake.setMessage({
    id: 2061,
    chatId: 1024,
    authorId: 7,
    text: 'The invoice and a photo',
    files: [
      { id: 331, name: 'invoice-4411.pdf', size: 48_213 },
      { id: 332, name: 'parcel.jpeg', size: 1_258_291 },
    ],
  })
  fake.setMessage({ id: 2062, chatId: 1024, authorId: 7, text: 'no files' })
})

afterEach(async () => {
  await fake.close()
})

const client = (files: 'link' | 'public-link', logger?: ReturnType<typeof captureLog>['logger']) =>
  createBitrixClient({
    rateLimit: { burst: 50, perSecond: 50 },
    timeoutMs: 2000,
    retries: 0,
    backoffBaseMs: 10,
    files,
    ...(logger === undefined ? {} : { logger }),
  })

describe('bitrix.files: public-link', () => {
  it('reads a public link per file in the batch after the read, and keeps the login link too', async () => {
    const refs = [
      { chatId: 1024, messageId: 2061 },
      { chatId: 1024, messageId: 2062 },
    ]
    const [withFiles, without] = await client('public-link').readMessages(portal, refs)
    const files = ok(withFiles).message.files
    expect(files.map((f) => f.publicUrl)).toEqual([fake.publicLinks.get(331), fake.publicLinks.get(332)])
    expect(files[0]).toMatchObject({
      id: 331,
      name: 'invoice-4411.pdf',
      size: 48_213,
      url: expect.stringContaining('fileId=331'),
      publicUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/~\w+$/),
    })
    expect(ok(without).message.files).toEqual([])
    // One batch reads the messages, one more asks for both links (a message without files adds none).
    const batches = fake.requests.filter((r) => r.method === 'batch')
    expect(batches).toHaveLength(2)
    expect(batches[1]?.commands?.map((c) => `${c.method} ${JSON.stringify(c.params)}`)).toEqual([
      'disk.file.getExternalLink {"id":"331"}',
      'disk.file.getExternalLink {"id":"332"}',
    ])
  })

  it('without the disk scope: the login link, the message still read, one warning per portal', async () => {
    fake.setScopes(['im', 'imopenlines'])
    const log = captureLog('debug')
    const bitrix = client('public-link', log.logger)
    const [first] = await bitrix.readMessages(portal, [{ chatId: 1024, messageId: 2061 }])
    const [again] = await bitrix.readMessages(portal, [{ chatId: 1024, messageId: 2061 }])
    for (const result of [first, again]) {
      const files = ok(result).message.files
      expect(files.map((f) => f.publicUrl)).toEqual([undefined, undefined])
      expect(files[0]?.url).toContain('fileId=331')
    }
    expect(fake.publicLinks.size).toBe(0)
    const warnings = log.lines.filter((l) => l.code === 'BRG_ERR_BITRIX_NO_PUBLIC_LINK' && l.level === 40)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.msg).toContain('add the disk scope')
    expect(warnings[0]).toMatchObject({ bitrixCode: 'insufficient_scope', portal: fake.host })
  })

  it('a file the reader may not open (ACCESS_DENIED) keeps its login link', async () => {
    // Not a member: the message comes from line history, the chat's files stay closed to the reader.
    fake.setMember(1024, false)
    const log = captureLog('debug')
    const [result] = await client('public-link', log.logger).readMessages(portal, [
      { chatId: 1024, messageId: 2061 },
    ])
    const read = ok(result)
    expect(read.source).toBe('imopenlines.session.history.get')
    expect(read.message.files.map((f) => f.publicUrl)).toEqual([undefined, undefined])
    expect(log.lines.filter((l) => l.code === 'BRG_ERR_BITRIX_NO_PUBLIC_LINK')).toMatchObject([
      { level: 40, bitrixCode: 'ACCESS_DENIED' },
      { level: 20, bitrixCode: 'ACCESS_DENIED' },
    ])
  })

  it('a failed link request never fails the read', async () => {
    const bitrix = client('public-link')
    // The read's batch goes through; the links' batch gets a 500.
    fake.handle('disk.file.getExternalLink', () => {
      throw new Error('boom')
    })
    const [result] = await bitrix.readMessages(portal, [{ chatId: 1024, messageId: 2061 }])
    expect(ok(result).message.files.map((f) => f.publicUrl)).toEqual([undefined, undefined])
    const linkBatch = fake.requests.find((r) =>
      r.commands?.some((c) => c.method === 'disk.file.getExternalLink'),
    )
    expect(linkBatch?.status).toBe(500)
  })
})
