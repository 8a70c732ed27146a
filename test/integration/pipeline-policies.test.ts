import { afterEach, describe, expect, it } from 'vitest'
import { deleteEvent, updateEvent } from '../../src/demo/event-bodies.js'
import type { MirrorMessage } from '../../src/model.js'
import { type ExternalRef, OutputError, type OutputPlugin } from '../../src/plugins/api.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'

/** An output that records what the pipeline asked of it, and fails on demand. */
function recordingOutput(id: string) {
  const calls: { op: string; ref?: ExternalRef; kind: string; text: string; previous?: string }[] = []
  const failures: OutputError[] = []
  let seq = 0
  const plugin: OutputPlugin = {
    id,
    capabilities: { edit: true, delete: true },
    async send(msg: MirrorMessage) {
      const failure = failures.shift()
      if (failure) throw failure
      calls.push({ op: 'send', kind: msg.kind, text: msg.plainText })
      return { n: ++seq }
    },
    async update(ref: ExternalRef, msg: MirrorMessage) {
      const failure = failures.shift()
      if (failure) throw failure
      const call: (typeof calls)[number] = { op: 'update', ref, kind: msg.kind, text: msg.plainText }
      if (msg.previousText !== undefined) call.previous = msg.previousText
      calls.push(call)
      return ref
    },
    async delete(ref: ExternalRef, msg: MirrorMessage) {
      calls.push({ op: 'delete', ref, kind: msg.kind, text: msg.plainText })
    },
  }
  return { plugin, calls, failures }
}

let bridge: Bridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

async function open(policy: Record<string, unknown> = {}) {
  const out = recordingOutput('rec')
  // The config names a console output; the recording one takes its place under the same id.
  const b = await startBridge({
    outputs: { rec: { type: 'console' } },
    policy,
    plugins: new Map([['rec', out.plugin]]),
  })
  bridge = b
  return { b, out }
}

const edit = (ts: number) => updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2057 }], { ts })
const del = (ts: number) => deleteEvent(fixturePortal, { chatId: 1024, messageId: 2057 }, { ts })

describe('pipeline policies', () => {
  it('sends an edit whose original was never mirrored (send-new), and skips it with policy skip', async () => {
    const first = await open()
    first.b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'hello' })
    await first.b.post(edit(1000))
    await first.b.drain()
    expect(first.out.calls).toEqual([{ op: 'send', kind: 'updated', text: 'hello' }])
    await first.b.close()
    bridge = undefined

    const second = await open({ missingOriginal: 'skip' })
    second.b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'hello' })
    await second.b.post(edit(1000))
    await second.b.drain()
    expect(second.out.calls).toEqual([])
    const [entry] = await second.b.app.store.listDeliveries({ output: 'rec' })
    expect(entry).toMatchObject({ status: 'skipped', detail: 'original was never mirrored; policy skip' })
  })

  it('passes the previous text on update and sends a new mirror when the original is gone', async () => {
    const { b, out } = await open()
    b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'one' })
    await b.post(edit(1000))
    await b.drain()
    b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'two' })
    await b.post(edit(1001))
    await b.drain()
    out.failures.push(new OutputError('gone', 'message_not_found'))
    b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'three' })
    await b.post(edit(1002))
    await b.drain()
    expect(out.calls.map((c) => [c.op, c.text, c.previous])).toEqual([
      ['send', 'one', undefined],
      ['update', 'two', 'one'],
      ['send', 'three', undefined],
    ])
    const mirror = await b.app.store.getMirror(fixturePortal.memberId, 2057, 'rec')
    expect(mirror?.ref).toEqual({ n: 2 })
  })

  it('dead-letters at once when the output rejects its credentials', async () => {
    const { b, out } = await open()
    b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'one' })
    out.failures.push(new OutputError('auth', 'invalid_auth'))
    await b.post(edit(1000))
    await b.drain()
    const [dead] = await b.app.store.listDead('deliver')
    expect(dead).toMatchObject({ reason: 'BRG_ERR_OUTPUT_AUTH: invalid_auth', attempts: 0 })
  })

  it.each([
    ['strike', [['update', 'deleted', 'one']]],
    ['delete', [['delete', 'deleted', '']]],
    ['ignore', []],
  ])('applies policy.deleted = %s to a mirrored message', async (deleted, expected) => {
    const { b, out } = await open({ deleted })
    b.portal.setMessage({ id: 2057, chatId: 1024, authorId: 7, text: 'one' })
    await b.post(edit(1000))
    await b.drain()
    await b.post(del(1001))
    await b.drain()
    expect(out.calls.slice(1).map((c) => [c.op, c.kind, c.text])).toEqual(expected)
  })
})
