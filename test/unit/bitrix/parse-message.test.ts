import { describe, expect, it } from 'vitest'
import { messageFromDialogReply, messageFromHistoryReply } from '../../../src/bitrix/parse-message.js'
import { restFixture } from './fixture.js'

describe('messageFromDialogReply', () => {
  it('returns the asked message with its author name', () => {
    const message = messageFromDialogReply(restFixture('im.dialog.messages.get.ok.json').result, 2057)
    expect(message).toMatchObject({ id: 2057, chatId: 1024, authorId: 7, authorName: 'Anna Petrova' })
    expect(typeof message !== 'string' && message.text).toContain('[i]tomorrow[/i]')
  })

  it('says unreadable (not deleted) when an older message came instead, never returning it', () => {
    const reply = restFixture('im.dialog.messages.get.other-message.json').result
    expect(messageFromDialogReply(reply, 2057)).toBe('unreadable')
  })

  it('says unreadable when the reader joined after the message (an empty page, not an error)', () => {
    const reply = restFixture('im.dialog.messages.get.before-join.json').result
    expect(messageFromDialogReply(reply, 2057)).toBe('unreadable')
  })

  it('reads the soft-deleted shape (IS_DELETED Y, empty text) as deleted', () => {
    const reply = restFixture('im.dialog.messages.get.soft-deleted.json').result
    expect(messageFromDialogReply(reply, 2057)).toBe('deleted')
  })

  it('lists attached files with a link', () => {
    const message = messageFromDialogReply(restFixture('im.dialog.messages.get.with-file.json').result, 2060)
    expect(typeof message !== 'string' && message.files).toEqual([
      { name: 'invoice-4411.pdf', url: 'https://example-portal.bitrix24.com/disk/showFile/331/' },
    ])
  })

  it('treats a message flagged IS_DELETED as deleted', () => {
    const reply = {
      messages: [{ id: 5, chat_id: 1, author_id: 1, text: 'gone', params: { IS_DELETED: 'Y' } }],
    }
    expect(messageFromDialogReply(reply, 5)).toBe('deleted')
  })
})

describe('messageFromHistoryReply', () => {
  const history = restFixture('imopenlines.session.history.get.ok.json').result

  it('finds the message in the history map by id', () => {
    const message = messageFromHistoryReply(history, 2057, 1024)
    expect(message).toMatchObject({ id: 2057, chatId: 1024, authorId: 7, authorName: 'Anna Petrova' })
    expect(typeof message !== 'string' && message.text).toBe(
      'Your order #4411 ships [i]tomorrow[/i] & arrives <Friday>',
    )
  })

  it('says unreadable (not deleted) when the id is not in this session history', () => {
    expect(messageFromHistoryReply(history, 2058, 1024)).toBe('unreadable')
  })
})
