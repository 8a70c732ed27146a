import { afterEach, describe, expect, it } from 'vitest'
import { coalescePayloads } from '../../src/pipeline/coalesce.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import { type Bridge, readFixture, startBridge } from '../support/bridge-harness.js'

let bridge: Bridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

describe('the receiver answers 200 only once the event is on disk', () => {
  it('holds the answer while the fsync after the commit runs, and sends it when the fsync ends', async () => {
    // The WAL fsync, held by the test: a disk that has not confirmed the write yet.
    const held: Array<() => void> = []
    const syncWal = () => new Promise<void>((resolve) => held.push(resolve))
    bridge = await startBridge({
      outputs: { 'console.ops': { type: 'console' } },
      openStore: (path) => openSqliteStore({ path, coalesce: coalescePayloads, syncWal }),
    })
    let answered = false
    const answer = bridge.post(readFixture('onopenlinemessageupdate.server.form.txt')).then((res) => {
      answered = true
      return res
    })
    const started = Date.now()
    while (held.length === 0) {
      if (Date.now() - started > 10_000) throw new Error('no fsync was asked for')
      await new Promise((r) => setTimeout(r, 5))
    }
    // The event is committed (a reader sees it) but not yet answered.
    expect((await bridge.app.store.stats('fetch')).pending).toBe(1)
    await new Promise((r) => setTimeout(r, 50))
    expect(answered).toBe(false)
    held.shift()?.()
    expect(await answer).toEqual({ status: 200, body: { ok: true, queued: 1 } })
  })
})
