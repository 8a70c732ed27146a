import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const cli = join(process.cwd(), 'bin', 'openline-bridge.js')
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'olb-cli-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function cliRun(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: process.cwd(),
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('openline-bridge CLI', () => {
  it('prints its version and lists its commands', async () => {
    const version = await cliRun(['--version'])
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    const help = await cliRun(['--help'])
    for (const command of [
      'start',
      'check-config',
      'bind',
      'unbind',
      'deliveries',
      'replay',
      'send-test',
      'demo',
    ]) {
      expect(help.stdout).toContain(command)
    }
  })

  it('check-config reports every problem with its path, exit code 2 and no stack trace', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(
      file,
      [
        'server: { port: "eighty" }',
        'bitrix:',
        '  portals:',
        '    - domain: example.bitrix24.com',
        'outputs:',
        '  hook.ops: { type: webhook, url: 42 }',
        '  console.main: { type: consol }',
        'routes:',
        '  - to: [slack.typo]',
      ].join('\n'),
    )
    const res = await cliRun(['check-config', '--config', file])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('server.port')
    expect(res.stderr).toContain('bitrix.portals[0].applicationToken')
    expect(res.stderr).toContain('outputs["hook.ops"].url')
    expect(res.stderr).toMatch(/outputs\["console.main"\]\.type: unknown output type "consol"/)
    expect(res.stderr).toContain('routes[0].to[0]')
    expect(res.stderr).not.toMatch(/\n\s+at /)
  })

  it('check-config accepts the shipped example and names a missing environment variable', async () => {
    const ok = await cliRun(['check-config', '--config', 'config/bridge.example.yaml'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('OK')
    const file = join(dir, 'env.yaml')
    await writeFile(
      file,
      'bitrix: { portals: [{ domain: a.bitrix24.com, applicationToken: "${B24_TOKEN}" }] }\noutputs: { c: { type: console } }\n',
    )
    const missing = await cliRun(['check-config', '--config', file])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('B24_TOKEN')
    const set = await cliRun(['check-config', '--config', file], { B24_TOKEN: 'secret-value' })
    expect(set.code).toBe(0)
    expect(set.stdout).not.toContain('secret-value')
  }, 120_000) // three CLI starts in a row: only a hang fails it, not a loaded machine

  it('reads ${VAR}s from --env-file (systemd EnvironmentFile format)', async () => {
    const file = join(dir, 'env-file.yaml')
    await writeFile(
      file,
      'bitrix: { portals: [{ domain: a.bitrix24.com, applicationToken: "${B24_TOKEN}" }] }\noutputs: { c: { type: console } }\n',
    )
    const envFile = join(dir, 'bridge.env')
    await writeFile(envFile, '# secrets\nB24_TOKEN="from-the-file"\n\n; other comment\n')
    const res = await cliRun(['check-config', '--offline', '--config', file, '--env-file', envFile])
    expect(res.stderr).not.toContain('B24_TOKEN')
    expect(res.code).toBe(0)
    await writeFile(envFile, 'B24_TOKEN\n')
    const broken = await cliRun(['check-config', '--offline', '--config', file, '--env-file', envFile])
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain('line 1 is not NAME=value')
  }, 120_000)

  it('refuses bad option values as usage errors (exit 2) naming the allowed values', async () => {
    const limit = await cliRun(['deliveries', '-n', 'abc'])
    expect(limit.code).toBe(2)
    expect(limit.stderr).toContain('must be a whole number')
    const status = await cliRun(['deliveries', '--status', 'bogus'])
    expect(status.code).toBe(2)
    expect(status.stderr).toContain('delivered, skipped, failed, dead, ignored')
    const queue = await cliRun(['replay', '--queue', 'foo'])
    expect(queue.code).toBe(2)
    expect(queue.stderr).toContain('fetch, deliver')
    expect(`${limit.stderr}${status.stderr}${queue.stderr}`).not.toContain('BRG_ERR_INTERNAL')
  }, 120_000)

  it('check-config warns when every event would be refused: no portal and no app', async () => {
    const file = join(dir, 'no-portal.yaml')
    await writeFile(file, 'outputs: { c: { type: console } }\n')
    const res = await cliRun(['check-config', '--offline', '--config', file])
    expect(res.code).toBe(0)
    expect(res.stderr).toContain('no portal is configured and bitrix.app is not set')
    // No --config and no config/bridge.yaml in the checkout: it says it checked the example.
    const example = await cliRun(['check-config', '--offline'])
    expect(example.code).toBe(0)
    expect(example.stderr).toContain(
      'config/bridge.yaml not found, so this checked config/bridge.example.yaml',
    )
  }, 120_000)

  it('start names the address it really bound, and logs a last "stopped" line on SIGTERM', async () => {
    const file = join(dir, 'start.yaml')
    await writeFile(
      file,
      JSON.stringify({
        server: { host: '0.0.0.0', port: 0, admin: { host: '127.0.0.1', port: 0 } },
        storage: { path: join(dir, 'start.db') },
        outputs: { c: { type: 'console' } },
      }),
    )
    const child = spawn(process.execPath, [cli, 'start', '--config', file], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    while (!out.includes('listening on')) {
      if (child.exitCode !== null) throw new Error(`start exited: ${out}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(out).toMatch(/listening on http:\/\/0\.0\.0\.0:\d+\/bitrix\/events/)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const last = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { msg?: string }
    expect(last.msg).toBe('stopped')
  }, 120_000)
})
