import { afterEach, describe, expect, it, vi } from 'vitest'
import { formatText } from '../../../plugins/console/format.js'
import consolePlugin from '../../../plugins/console/index.js'
import { silentLogger } from '../../../src/observability/logger.js'
import type { OutputPlugin } from '../../../src/plugins/api.js'
import { makeConversation, makeMessage, memoryThreads } from './make-message.js'

function create(options: Record<string, unknown> = {}): OutputPlugin {
  return consolePlugin.create(options, {
    id: 'console',
    logger: silentLogger(),
    fetch: globalThis.fetch,
    policy: { editMarker: '(edited)' },
  })
}

function captured(stream: NodeJS.WriteStream): () => string {
  const spy = vi.spyOn(stream, 'write').mockImplementation(() => true)
  return () => spy.mock.calls.map((call) => String(call[0])).join('')
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('console output, text format', () => {
  it('prints a header with the message facts and the text indented below it', async () => {
    const out = captured(process.stdout)
    await create().send(makeMessage({ kind: 'added' }))
    expect(out()).toBe(
      '── [created] portal demo-member · line 128 · telegrambot · chat 1024 · message 2057 (Anna Petrova)\n' +
        '   Hello, Ivan\n' +
        '   see the docs (https://example.com/a?b=1&c=2)\n',
    )
  })

  it('marks an edit with the policy edit marker and keeps the ref', async () => {
    const plugin = create()
    const out = captured(process.stdout)
    const ref = await plugin.send(makeMessage({ kind: 'added', plainText: 'first' }))
    const updated = await plugin.update(ref, makeMessage({ plainText: 'second' }))
    expect(updated).toEqual(ref)
    expect(out()).toContain('── [updated] portal demo-member')
    expect(out()).toContain('   second (edited)\n')
    expect(out()).not.toContain('first (edited)')
  })

  it('numbers created mirrors so each message has its own ref', async () => {
    captured(process.stdout)
    const plugin = create()
    const a = await plugin.send(makeMessage({ messageId: 1 }))
    const b = await plugin.send(makeMessage({ messageId: 2 }))
    expect(a).toEqual({ seq: 1 })
    expect(b).toEqual({ seq: 2 })
  })

  it('flags unverified text and lists files', async () => {
    const out = captured(process.stdout)
    await create().update(
      { seq: 3 },
      makeMessage({
        unverified: true,
        files: [{ id: 1, name: 'scan.pdf', size: 2048, url: 'https://files.example/scan.pdf' }],
      }),
    )
    expect(out()).toContain(
      '   file: scan.pdf (2 KB) · open in Bitrix24 — login needed: <https://files.example/scan.pdf>\n',
    )
    expect(out()).toContain('[unverified]')
  })

  it('shows a deletion without the edit marker, and can write to stderr', async () => {
    const stdout = captured(process.stdout)
    const stderr = captured(process.stderr)
    await create({ stream: 'stderr' }).delete?.(
      { seq: 1 },
      makeMessage({ kind: 'deleted', plainText: 'bye' }),
    )
    expect(stdout()).toBe('')
    expect(stderr()).toContain('── [deleted] portal demo-member')
    expect(stderr()).toContain('   bye\n')
    expect(stderr()).not.toContain('(edited)')
  })
})

describe('console output, json format', () => {
  it('writes one JSON object per line with the action and ref number', async () => {
    const out = captured(process.stdout)
    const plugin = create({ format: 'json' })
    const ref = await plugin.send(makeMessage({ kind: 'added' }))
    await plugin.update(ref, makeMessage({ plainText: 'changed', unverified: true }))
    const lines = out().trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    const [created, updated] = lines.map((line) => JSON.parse(line))
    expect(created).toMatchObject({ action: 'created', seq: 1, portal: 'demo-member', messageId: 2057 })
    expect(created.author).toEqual({ id: 7, name: 'Anna Petrova' })
    expect(created.unverified).toBeUndefined()
    expect(updated).toMatchObject({ action: 'updated', seq: 1, text: 'changed', unverified: true })
  })
})

describe('console output, conversations', () => {
  it("prints the chat's title once, on its first message, and saves the conversation", async () => {
    const plugin = create()
    const threads = memoryThreads()
    const out = captured(process.stdout)
    const conversation = makeConversation()
    await plugin.send(
      makeMessage({ kind: 'added', messageId: 1, plainText: 'one', conversation }),
      threads.context(),
    )
    await plugin.send(
      makeMessage({ kind: 'added', messageId: 2, plainText: 'two', conversation }),
      threads.context(),
    )
    const text = out()
    expect(text.startsWith('══ Telegram · Line 128 · Ivan Petrov ══\n')).toBe(true)
    expect(text).toContain(
      '   chat 1024 "Ivan Petrov - Support" · session 343 <https://demo.bitrix24.com/online/?IM_DIALOG=chat1024>\n',
    )
    expect(text.match(/══/g)).toHaveLength(2)
    expect(text).toContain('message 2 · with Ivan Petrov (Anna Petrova)')
    expect(threads.refs.get(1024)).toEqual({ seq: 1 })
  })

  it('links a new session back to the previous conversation', async () => {
    const plugin = create()
    const threads = memoryThreads()
    const out = captured(process.stdout)
    const conversation = makeConversation({ sessionId: 344 })
    await plugin.send(makeMessage({ kind: 'added', conversation }), threads.context(1024, { seq: 7 }))
    expect(out()).toContain('   continues the conversation of block #7\n')
  })

  it('prints no banner for a message without a conversation', async () => {
    const out = captured(process.stdout)
    await create().send(makeMessage({ kind: 'added' }))
    expect(out()).not.toContain('══')
  })
})

describe('console edit marker', () => {
  it('goes on its own line after a closing quote block, on the last line otherwise', () => {
    const quoted = formatText(
      'updated',
      makeMessage({ plainText: 'ships today\n> Ivan wrote:\n> when?' }),
      '(edited)',
    )
    expect(quoted.trimEnd().split('\n').slice(-2)).toEqual(['   > when?', '   (edited)'])
    const plain = formatText('updated', makeMessage({ plainText: 'ships today' }), '(edited)')
    expect(plain.trimEnd().split('\n').at(-1)).toBe('   ships today (edited)')
  })
})
