import qs from 'qs'
import { describe, expect, it } from 'vitest'
import { buildBatchParams, parseBatchResult } from '../../../src/bitrix/batch.js'
import { encodeForm } from '../../../src/bitrix/encode-form.js'
import { ErrorCodes } from '../../../src/errors.js'
import { restFixture } from './fixture.js'

const read = (key: string, chatId: number, lastId: number) => ({
  key,
  method: 'im.dialog.messages.get',
  params: { DIALOG_ID: `chat${chatId}`, LAST_ID: lastId, LIMIT: 1 },
})

describe('buildBatchParams', () => {
  it('encodes each command as method?query and never halts on a failing command', () => {
    const params = buildBatchParams([read('m2058', 1024, 2059), read('m2059', 1024, 2060)])
    // Decode as PHP would, from the exact wire body.
    const wire = qs.parse(encodeForm(params)) as { halt: string; cmd: Record<string, string> }
    expect(wire.halt).toBe('0')
    expect(wire.cmd).toEqual({
      m2058: 'im.dialog.messages.get?DIALOG_ID=chat1024&LAST_ID=2059&LIMIT=1',
      m2059: 'im.dialog.messages.get?DIALOG_ID=chat1024&LAST_ID=2060&LIMIT=1',
    })
  })

  it('keeps nested params PHP-style inside a command', () => {
    const params = buildBatchParams([
      { key: 'a', method: 'x.y', params: { FIELDS: { T: 'a b&c' }, IDS: [1, 2] } },
    ])
    const cmd = (qs.parse(encodeForm(params)) as { cmd: Record<string, string> }).cmd.a ?? ''
    const [method, query] = cmd.split('?')
    expect(method).toBe('x.y')
    expect(qs.parse(query ?? '')).toEqual({ FIELDS: { T: 'a b&c' }, IDS: ['1', '2'] })
  })

  it('refuses more than 50 commands and repeated keys', () => {
    const many = Array.from({ length: 51 }, (_, i) => read(`m${i}`, 1, i))
    expect(() => buildBatchParams(many)).toThrow(/1\.\.50/)
    expect(() => buildBatchParams([read('a', 1, 1), read('a', 1, 2)])).toThrow(/repeated/)
  })
})

describe('parseBatchResult', () => {
  const commands = [read('m2058', 1024, 2059), read('m2059', 1024, 2060), read('m3001', 3000, 3002)]

  it('gives each key its result or its own error (HTTP 200 either way)', () => {
    const { result } = restFixture('batch.ok.json')
    const items = parseBatchResult(result, commands, 'example.bitrix24.com')
    expect(items.get('m2058')).toMatchObject({ ok: true, result: { messages: [{ id: 2058 }] } })
    expect(items.get('m2059')).toMatchObject({ ok: true })
    const failed = items.get('m3001')
    expect(failed?.ok).toBe(false)
    if (failed?.ok === false) {
      expect(failed.error).toMatchObject({
        code: ErrorCodes.BITRIX_ACCESS_DENIED,
        bitrixCode: 'ACCESS_ERROR',
      })
    }
  })

  it('accepts PHP empty arrays and flags a missing key as a bad reply', () => {
    const items = parseBatchResult(
      { result: { m2058: { messages: [] } }, result_error: [] },
      commands.slice(0, 2),
      'example.bitrix24.com',
    )
    expect(items.get('m2058')?.ok).toBe(true)
    const missing = items.get('m2059')
    expect(missing?.ok === false && missing.error.code).toBe(ErrorCodes.BITRIX_BAD_REPLY)
  })
})
