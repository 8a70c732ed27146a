import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/create-client.js'
import type { PortalRecord } from '../../src/bitrix/types.js'
import { type FakePortal, FakeRestError, startFakePortal } from '../support/fake-portal.js'

let fake: FakePortal
let portal: PortalRecord
const client = () =>
  createBitrixClient({
    rateLimit: { burst: 50, perSecond: 50 },
    timeoutMs: 2000,
    retries: 0,
    backoffBaseMs: 10,
  })

beforeEach(async () => {
  fake = await startFakePortal()
  portal = { id: 'member-1', domain: fake.host, webhookUrl: fake.webhookUrl }
  fake.setChat({
    chatId: 1024,
    title: 'Ivan Petrov - Support',
    connector: 'telegrambot',
    line: 128,
    sessionId: 343,
  })
  for (let id = 1; id <= 3; id++) fake.setMessage({ id, chatId: 1024, authorId: 7, text: `m${id}` })
})
afterEach(async () => {
  await fake.close()
})

describe('chat details read with the messages', () => {
  it('asks imopenlines.dialog.get in the same batch request as the messages, once per chat', async () => {
    const results = await client().readMessages(portal, [
      { chatId: 1024, messageId: 1, withChat: true },
      { chatId: 1024, messageId: 2 },
      { chatId: 1024, messageId: 3 },
    ])
    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0]?.commands?.map((c) => c.method)).toEqual([
      'imopenlines.dialog.get',
      'im.dialog.messages.get',
      'im.dialog.messages.get',
      'im.dialog.messages.get',
    ])
    expect(results[0]).toMatchObject({
      status: 'ok',
      chat: { chatId: 1024, title: 'Ivan Petrov - Support', customerName: 'Ivan Petrov', sessionId: 343 },
    })
    expect(results[1]).not.toHaveProperty('chat')
  })

  it('reads the message anyway when the chat cannot be read (documented 400 ACCESS_ERROR)', async () => {
    fake.handle('imopenlines.dialog.get', () => {
      throw new FakeRestError(400, 'ACCESS_ERROR', 'You do not have access to the specified dialog')
    })
    const [result] = await client().readMessages(portal, [{ chatId: 1024, messageId: 2, withChat: true }])
    expect(result).toMatchObject({ status: 'ok', message: { text: 'm2' } })
    expect(result).not.toHaveProperty('chat')
  })
})
