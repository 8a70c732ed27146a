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

  it('lists attached files with id, name, size and the (login-only) link', () => {
    const message = messageFromDialogReply(restFixture('im.dialog.messages.get.with-file.json').result, 2060)
    expect(typeof message !== 'string' && message.files).toEqual([
      {
        id: 331,
        name: 'invoice-4411.pdf',
        size: 48213,
        url: 'https://example-portal.bitrix24.com/disk/showFile/331/',
      },
    ])
  })

  it('reads the real files shape: a file, an image, and one still uploading (empty URLs, size 0)', () => {
    const reply = restFixture('im.dialog.messages.get.with-files.json').result
    const message = messageFromDialogReply(reply, 2061)
    const portal = 'https://example-portal.bitrix24.com/bitrix/services/main/ajax.php'
    expect(typeof message !== 'string' && message.files).toEqual([
      {
        id: 331,
        name: 'invoice-4411.pdf',
        size: 48213,
        url: `${portal}?action=disk.api.file.download&SITE_ID=s1&humanRE=1&fileId=331&fileName=invoice-4411.pdf`,
      },
      {
        id: 332,
        name: 'parcel.jpeg',
        size: 1258291,
        url: `${portal}?action=disk.api.file.showImage&SITE_ID=s1&humanRE=1&fileId=332&fileName=parcel.jpeg`,
      },
      { id: 333, name: 'scan.tiff', url: '' },
    ])
  })

  it('keeps only the files the message names in FILE_ID (the reply lists the whole page’s files)', () => {
    const reply = restFixture('im.dialog.messages.get.with-files.json').result as Record<string, unknown>
    const [first] = reply.messages as Array<Record<string, unknown>>
    const narrowed = { ...reply, messages: [{ ...first, params: { FILE_ID: [332] } }] }
    const message = messageFromDialogReply(narrowed, 2061)
    expect(typeof message !== 'string' && message.files.map((f) => f.id)).toEqual([332])
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

  it('reads files from the history reply, a map keyed by file id', () => {
    const { files } = restFixture('im.dialog.messages.get.with-files.json').result as { files: unknown[] }
    const reply = {
      message: { 2061: { id: 2061, chatid: 1024, senderid: 7, text: 'x', params: { FILE_ID: ['331'] } } },
      files: Object.fromEntries(files.map((f) => [(f as { id: number }).id, f])),
    }
    const message = messageFromHistoryReply(reply, 2061, 1024)
    expect(typeof message !== 'string' && message.files).toMatchObject([
      { id: 331, name: 'invoice-4411.pdf', size: 48213 },
    ])
  })

  it('says unreadable (not deleted) when the id is not in this session history', () => {
    expect(messageFromHistoryReply(history, 2058, 1024)).toBe('unreadable')
  })
})
