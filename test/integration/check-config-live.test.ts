import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js'
import { FakeTelegram } from '../support/fake-telegram.js'
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js'

const run = promisify(execFile)
let dir: string
let slack: FakeSlack
let telegram: FakeTelegram
let smtp: SmtpSink

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'olb-live-'))
  slack = await startFakeSlack({ token: 'xoxb-good', channels: [{ id: 'C0SUPPORT', name: 'support' }] })
  telegram = await FakeTelegram.start()
  smtp = await startSmtpSink()
})
afterEach(async () => {
  await Promise.all([slack.close(), telegram.close(), smtp.close()])
  await rm(dir, { recursive: true, force: true })
})

async function checkConfig(telegramToken: string, telegramOptional: boolean) {
  const file = join(dir, 'bridge.json')
  await writeFile(
    file,
    JSON.stringify({
      outputs: {
        'slack.support': { type: 'slack', token: 'xoxb-good', channel: 'C0SUPPORT', apiUrl: slack.apiUrl },
        'telegram.ops': {
          type: 'telegram',
          token: telegramToken,
          chatId: '-100123',
          apiRoot: telegram.apiRoot,
          optional: telegramOptional,
        },
        'email.audit': {
          type: 'email',
          smtp: { host: smtp.host, port: smtp.port },
          from: 'b@example.com',
          to: ['a@example.com'],
        },
      },
    }),
  )
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['bin/openline-bridge.js', 'check-config', '--config', file],
      {
        env: { PATH: process.env.PATH ?? '' },
      },
    )
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('check-config live checks', () => {
  it("runs each output's credential check against the real APIs and reports it per output", async () => {
    const res = await checkConfig('999:wrong-token', false)
    expect(res.stdout).toMatch(/ok {3}slack\.support \(slack\): ok/)
    expect(res.stdout).toMatch(/ok {3}email\.audit \(email\): ok/)
    expect(res.stdout).toMatch(/FAIL telegram\.ops \(telegram\): .*token/i)
    expect(res.stderr).toContain('1 required output(s) failed their live check: telegram.ops')
    expect(res.code).toBe(1)
    expect(slack.callsTo('auth.test')).toHaveLength(1)
    expect(telegram.calls.map((c) => c.method)).toEqual(['getMe'])
    expect(res.stdout + res.stderr).not.toContain('wrong-token')
  })

  it('only warns about a failing optional output, and --offline makes no calls', async () => {
    const optional = await checkConfig('999:wrong-token', true)
    expect(optional.code).toBe(0)
    expect(optional.stdout).toMatch(/warn telegram\.ops .*optional/)
    const calls = slack.calls.length
    const file = join(dir, 'bridge.json')
    const { stdout } = await run(
      process.execPath,
      ['bin/openline-bridge.js', 'check-config', '--offline', '--config', file],
      {
        env: { PATH: process.env.PATH ?? '' },
      },
    )
    expect(stdout).toContain('OK')
    expect(stdout).not.toContain('live checks')
    expect(slack.calls.length).toBe(calls)
  })
})
