import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { replayCommand } from '../../src/cli/replay-command.js'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { eventually, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let dir: string
let portal: FakePortal
let sink: WebhookSink

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'olb-replay-'))
  portal = await startFakePortal()
  sink = await startWebhookSink()
})
afterEach(async () => {
  await sink.close()
  await portal.close()
  await rm(dir, { recursive: true, force: true })
})

async function replay(configPath: string, options: Record<string, unknown> = {}) {
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => (text += c.toString()))
  await replayCommand({ config: configPath, ...options }, { stdout: out })
  return text
}

describe('openline-bridge replay', () => {
  it('puts dead deliveries back in the queue with progress, and a restarted bridge delivers them', async () => {
    const dbPath = join(dir, 'bridge.db')
    const outputs = { 'hook.ops': { type: 'webhook', url: sink.url } }
    for (let id = 1; id <= 3; id++) portal.setMessage({ id, chatId: 1024, authorId: 7, text: `m${id}` })

    // The output is down long enough for every delivery to give up.
    sink.failAlways(401)
    const first = await startBridge({
      outputs,
      portal,
      dbPath,
      startWorkers: true,
      pipeline: { maxAttempts: 2 },
    })
    for (let id = 1; id <= 3; id++) {
      await first.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: id }], { ts: 1000 }))
    }
    await eventually(async () => (await first.app.store.listDead('deliver')).length === 3, '3 dead letters')
    await first.close()

    const configPath = join(dir, 'bridge.json')
    const portals = [
      {
        domain: fixturePortal.domain,
        memberId: fixturePortal.memberId,
        applicationToken: fixturePortal.applicationToken,
        webhookUrl: portal.webhookUrl,
      },
    ]
    await writeFile(configPath, JSON.stringify({ storage: { path: dbPath }, bitrix: { portals }, outputs }))
    const dry = await replay(configPath, { dryRun: true })
    expect(dry).toContain('dead letters: 3; matching: 3')
    expect(dry).not.toContain('replayed')
    expect(await replay(configPath, { output: 'other.output' })).toContain('matching: 0')
    // Reasons carry the error code, as docs/errors.md tells operators to filter by.
    expect(dry).toContain('BRG_ERR_OUTPUT_AUTH: ')
    expect(await replay(configPath, { reason: 'BRG_ERR_OUTPUT_AUTH', dryRun: true })).toContain('matching: 3')
    // --portal takes the domain as well as the member_id; an unknown one names the known portals.
    expect(await replay(configPath, { portal: fixturePortal.domain, dryRun: true })).toContain('matching: 3')
    expect(await replay(configPath, { portal: fixturePortal.memberId, dryRun: true })).toContain(
      'matching: 3',
    )
    await expect(replay(configPath, { portal: 'other.bitrix24.com', dryRun: true })).rejects.toMatchObject({
      code: 'BRG_ERR_PORTAL_NOT_FOUND',
      kind: 'config',
      message: expect.stringContaining(fixturePortal.domain),
    })

    const text = await replay(configPath, { output: 'hook.ops' })
    expect(text).toContain('replayed 3/3')

    sink.failAlways(undefined)
    const second = await startBridge({ outputs, portal, dbPath, startWorkers: true })
    await sink.waitFor(3)
    expect(new Set(sink.requests.map((r) => r.body.messageId))).toEqual(new Set([1, 2, 3]))
    expect(await second.app.store.listDead()).toHaveLength(0)
    await second.close()
  })
})
