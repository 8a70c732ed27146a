import { describe, expect, it } from 'vitest'
import { chatFromDialogReply, maxTitleLength, sessionOfMessage } from '../../../src/bitrix/parse-chat.js'
import { restFixture } from './fixture.js'

describe('chatFromDialogReply (imopenlines.dialog.get)', () => {
  it('reads title, customer, connector, line and session from the documented reply', () => {
    const reply = restFixture('imopenlines.dialog.get.ok.json') as { result: unknown }
    expect(chatFromDialogReply(reply.result, 1024)).toEqual({
      chatId: 1024,
      title: 'Ivan Petrov - Support line',
      customerName: 'Ivan Petrov',
      connector: 'telegrambot',
      line: 128,
      sessionId: 343,
    })
  })

  it('refuses a reply about another chat, and keeps only what is well formed', () => {
    const reply = (restFixture('imopenlines.dialog.get.ok.json') as { result: Record<string, unknown> })
      .result
    expect(chatFromDialogReply(reply, 1025)).toBeUndefined()
    expect(chatFromDialogReply('nonsense', 1024)).toBeUndefined()
    const odd = { ...reply, name: 42, entity_id: 'x', entity_data_1: 'Y|LEAD|1|N|N|not-a-number' }
    expect(chatFromDialogReply(odd, 1024)).toEqual({ chatId: 1024, title: 'Chat 1024' })
  })

  it('flattens control characters and cuts a hostile title', () => {
    const reply = { id: 5, name: `Eve\n\u0007Mallory - ${'x'.repeat(10_000)}` }
    const chat = chatFromDialogReply(reply, 5)
    expect(chat?.title.length).toBe(maxTitleLength)
    expect(chat?.title.startsWith('Eve Mallory - xxx')).toBe(true)
    expect(chat?.customerName).toBe('Eve Mallory')
  })
})

describe('sessionOfMessage', () => {
  it('reads params.IMOL_SID as a number or a one-item list', () => {
    expect(sessionOfMessage({ IMOL_SID: 343 })).toBe(343)
    expect(sessionOfMessage({ IMOL_SID: ['344'] })).toBe(344)
    expect(sessionOfMessage({ IMOL_SID: 'x' })).toBeUndefined()
    expect(sessionOfMessage({})).toBeUndefined()
  })
})
