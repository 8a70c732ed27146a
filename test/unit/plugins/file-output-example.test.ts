import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/observability/logger.js'
import { createOutputs, startOutputs } from '../../../src/plugins/registry.js'
import { makeMessage } from './make-message.js'

const repoRoot = path.resolve(import.meta.dirname, '../../..')
const dir = mkdtempSync(path.join(tmpdir(), 'openline-file-output-'))

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('examples/plugins/file-output.ts', () => {
  it('loads from config by path and appends one JSON line per created, edited and deleted message', async () => {
    const file = path.join(dir, 'nested', 'mirror.jsonl')
    const config = {
      'audit.file': { type: './examples/plugins/file-output.ts', optional: false, options: { path: file } },
    }
    const outputs = await createOutputs(config, {
      cwd: repoRoot,
      logger: silentLogger(),
      fetch: globalThis.fetch,
      policy: { editMarker: '(edited)' },
    })
    await startOutputs(outputs, config, silentLogger())
    const plugin = outputs.get('audit.file')!

    const ref = await plugin.send(makeMessage({ kind: 'added', plainText: 'first' }))
    const next = await plugin.update(ref, makeMessage({ plainText: 'second' }))
    await plugin.delete?.(next, makeMessage({ kind: 'deleted', plainText: '' }))

    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((l) => [l.action, l.text, l.ref])).toEqual([
      ['created', 'first', { key: 'demo-member:2057' }],
      ['updated', 'second', { key: 'demo-member:2057' }],
      ['deleted', '', { key: 'demo-member:2057' }],
    ])
    expect(lines[0].author).toBe('Anna Petrova')
  })

  it('writes one conversation header per chat, saved before the message, and names the thread on every line', async () => {
    const file = path.join(dir, 'threads.jsonl')
    const config = {
      'audit.file': { type: './examples/plugins/file-output.ts', optional: false, options: { path: file } },
    }
    const outputs = await createOutputs(config, {
      cwd: repoRoot,
      logger: silentLogger(),
      fetch: globalThis.fetch,
      policy: { editMarker: '(edited)' },
    })
    await startOutputs(outputs, config, silentLogger())
    const plugin = outputs.get('audit.file')!
    const conversation = {
      portal: 'demo-member',
      chatId: 1024,
      connector: 'telegrambot',
      line: 128,
      title: 'Ivan Petrov - Support',
      customerName: 'Ivan Petrov',
      url: 'https://example.bitrix24.com/online/?IM_DIALOG=chat1024',
    }
    let stored: unknown
    const context = () => ({
      ref: stored,
      save: async (ref: unknown) => {
        stored = ref
      },
    })
    await plugin.send(makeMessage({ kind: 'added', plainText: 'one', messageId: 1, conversation }), context())
    await plugin.send(makeMessage({ kind: 'added', plainText: 'two', messageId: 2, conversation }), context())
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((l) => l.action)).toEqual(['conversation', 'created', 'created'])
    expect(lines[0].header).toBe('Telegram · Line 128 · Ivan Petrov')
    expect(stored).toEqual({ thread: lines[0].thread })
    expect(lines[1].ref.thread).toBe(lines[0].thread)
    expect(lines[2].ref.thread).toBe(lines[0].thread)
  })
})
