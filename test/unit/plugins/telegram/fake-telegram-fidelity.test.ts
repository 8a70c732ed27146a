import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BOT_DELETE_LIMIT_SECONDS, FakeTelegram } from '../../../support/fake-telegram.js'

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/telegram/${name}.json`, import.meta.url), 'utf8'))

let fake: FakeTelegram
beforeEach(async () => {
  fake = await FakeTelegram.start()
})
afterEach(async () => {
  await fake.close()
})

async function call(method: string, body: Record<string, unknown>) {
  const res = await fetch(`${fake.apiRoot}/bot${fake.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('fake Bot API: answers as test/fixtures/telegram', () => {
  it('a group upgraded to a supergroup refuses sends and deletes with migrate_to_chat_id', async () => {
    await call('sendMessage', { chat_id: -4518810793, text: 'before' })
    fake.migrateChat(-4518810793, -1001557912345)
    const sent = await call('sendMessage', { chat_id: -4518810793, text: 'after' })
    expect(sent).toEqual({ status: 400, body: fixture('migrate-to-chat-id') })
    const deleted = await call('deleteMessage', { chat_id: -4518810793, message_id: 1 })
    expect(deleted).toEqual({ status: 400, body: fixture('migrate-to-chat-id') })
    // The supergroup numbers its messages anew, after the "upgraded from" service message.
    const moved = await call('sendMessage', { chat_id: -1001557912345, text: 'after' })
    expect(moved.body.result).toMatchObject({
      message_id: 2,
      chat: { id: -1001557912345, type: 'supergroup' },
    })
  })

  it('old messages of the upgraded group: edits refused by default, or allowed when chosen', async () => {
    await call('sendMessage', { chat_id: -42, text: 'before' })
    fake.migrateChat(-42, -1001000000042)
    expect((await call('editMessageText', { chat_id: -42, message_id: 1, text: 'x' })).body).toMatchObject({
      ok: false,
      error_code: 400,
    })
    fake.migrateChat(-42, -1001000000042, { oldMessagesEditable: true })
    expect((await call('editMessageText', { chat_id: -42, message_id: 1, text: 'x' })).body.ok).toBe(true)
  })

  it.each([
    [-1001234567890, 'delete-too-old-supergroup'],
    [-4518810793, 'delete-too-old-group'],
    [777, 'delete-too-old-group'],
  ])('deleteMessage in %s after 48 h answers like %s; editing still works', async (chat, name) => {
    await call('sendMessage', { chat_id: chat, text: 'old' })
    await call('sendMessage', { chat_id: chat, text: 'young' })
    fake.advanceClock(BOT_DELETE_LIMIT_SECONDS - 60)
    await call('sendMessage', { chat_id: chat, text: 'newest' })
    expect((await call('deleteMessage', { chat_id: chat, message_id: 2 })).body).toEqual({
      ok: true,
      result: true,
    })
    fake.advanceClock(60)
    expect(await call('deleteMessage', { chat_id: chat, message_id: 1 })).toEqual({
      status: 400,
      body: fixture(name),
    })
    expect((await call('deleteMessage', { chat_id: chat, message_id: 3 })).body.ok).toBe(true)
    const edited = await call('editMessageText', { chat_id: chat, message_id: 1, text: 'edited' })
    expect(edited.body.ok).toBe(true)
    expect(fake.messages(chat).map((m) => m.text)).toEqual(['edited'])
  })
})
