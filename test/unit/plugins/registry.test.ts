import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutputConfig } from '../../../src/config/types.js'
import { BridgeError, ErrorCodes } from '../../../src/errors.js'
import { createLogger, silentLogger } from '../../../src/observability/logger.js'
import { OutputError, type OutputPlugin } from '../../../src/plugins/api.js'
import { builtinPlugins, createOutputs, resolvePlugin, startOutputs } from '../../../src/plugins/registry.js'

const repoRoot = path.resolve(import.meta.dirname, '../../..')
let dir: string

function write(relative: string, text: string): string {
  const file = path.join(dir, relative)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}

async function caught(promise: Promise<unknown>): Promise<BridgeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(BridgeError)
  return err as BridgeError
}

function output(type: string, options: Record<string, unknown> = {}, optional = false): OutputConfig {
  return { type, optional, options }
}

function logLines(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = []
  const destination = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  const logger = createLogger({ level: 'debug', destination })
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  }
}

const deps = () => ({
  cwd: dir,
  logger: silentLogger(),
  fetch: globalThis.fetch,
  policy: { editMarker: '(edited)' },
})

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'openline-registry-'))
  write('no-default.mjs', 'export const type = "x"\n')
  write('half.mjs', 'export default { type: "half" }\n')
  write('throws.mjs', 'throw new Error("boom at import")\n')
  write(
    'refuses.mjs',
    'export default { type: "refuses", configSchema: {}, create() { throw new Error("channel must start with C") } }\n',
  )
  write(
    'recorder.mjs',
    `export default {
      type: 'recorder',
      configSchema: { type: 'object', properties: { n: { type: 'integer', default: 5 } }, additionalProperties: false },
      create(options, context) {
        context.logger.info('recorder created')
        return { id: context.id, options, capabilities: { edit: true, delete: false }, async send() { return 1 }, async update(r) { return r } }
      },
    }\n`,
  )
  // An ESM-only package, the way a published plugin (and openline-bridge itself) ships.
  write(
    'node_modules/@acme/openline-output/package.json',
    JSON.stringify({
      name: '@acme/openline-output',
      type: 'module',
      exports: { '.': { import: './main.js' } },
    }),
  )
  write(
    'node_modules/@acme/openline-output/main.js',
    'export default { type: "acme", configSchema: {}, create: () => ({}) }\n',
  )
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('resolvePlugin', () => {
  it('returns every built-in plugin by name', async () => {
    for (const type of ['console', 'webhook', 'email', 'slack', 'telegram']) {
      expect(Object.keys(builtinPlugins)).toContain(type)
      expect((await resolvePlugin(type, dir)).type).toBe(type)
    }
  })

  it('loads a TypeScript plugin by path relative to cwd, once per file', async () => {
    const byRelative = await resolvePlugin('./examples/plugins/file-output.ts', repoRoot)
    const byAbsolute = await resolvePlugin(path.join(repoRoot, 'examples/plugins/file-output.ts'), '/')
    expect(byRelative.type).toBe('file-output')
    expect(byAbsolute).toBe(byRelative)
  })

  it('loads an ESM-only package installed under cwd', async () => {
    expect((await resolvePlugin('@acme/openline-output', path.join(dir, 'node_modules'))).type).toBe('acme')
  })

  it('rejects a module whose default export is not a plugin, naming what is missing', async () => {
    const err = await caught(resolvePlugin('./half.mjs', dir))
    expect(err.code).toBe(ErrorCodes.PLUGIN_INVALID)
    expect(err.kind).toBe('config')
    expect(err.message).toContain('configSchema (object), create (function)')
    expect(err.message).not.toContain('type (string)')
  })

  it('rejects a module with no default export', async () => {
    const err = await caught(resolvePlugin('./no-default.mjs', dir))
    expect(err.code).toBe(ErrorCodes.PLUGIN_INVALID)
    expect(err.message).toContain('has no default export')
  })

  it('reports a missing file as PLUGIN_LOAD with a hint to check the path', async () => {
    const err = await caught(resolvePlugin('./nope/missing.ts', dir))
    expect(err.code).toBe(ErrorCodes.PLUGIN_LOAD)
    expect(err.kind).toBe('config')
    expect(err.message).toContain('check the path')
    expect(err.cause).toBeDefined()
  })

  it('reports a module that throws while loading as PLUGIN_LOAD with the cause', async () => {
    const err = await caught(resolvePlugin('./throws.mjs', dir))
    expect(err.code).toBe(ErrorCodes.PLUGIN_LOAD)
    expect(err.message).toContain('boom at import')
  })

  it('reports an unknown package as PLUGIN_LOAD with an npm install hint', async () => {
    const err = await caught(resolvePlugin('openline-output-that-does-not-exist', dir))
    expect(err.code).toBe(ErrorCodes.PLUGIN_LOAD)
    expect(err.message).toContain('npm install openline-output-that-does-not-exist')
  })
})

describe('createOutputs', () => {
  it('creates one instance per output with defaults applied and a child logger per output', async () => {
    const { logger, lines } = logLines()
    const outputs = await createOutputs(
      { 'console.main': output('console'), 'rec.one': output('./recorder.mjs') },
      { ...deps(), logger },
    )
    expect([...outputs.keys()]).toEqual(['console.main', 'rec.one'])
    expect(outputs.get('console.main')?.capabilities).toEqual({ edit: true, delete: true })
    expect((outputs.get('rec.one') as unknown as { options: unknown }).options).toEqual({ n: 5 })
    expect(lines()).toContainEqual(
      expect.objectContaining({ msg: 'recorder created', component: 'output', output: 'rec.one' }),
    )
  })

  it('names the output and field when options are invalid', async () => {
    const err = await caught(createOutputs({ 'hook.crm': output('webhook', { url: 'ftp://x' }) }, deps()))
    expect(err.code).toBe(ErrorCodes.CONFIG_INVALID)
    expect(err.message).toContain('outputs["hook.crm"].url')
  })

  it('names the output whose plugin cannot be loaded', async () => {
    const err = await caught(createOutputs({ 'audit.file': output('./missing.ts') }, deps()))
    expect(err.code).toBe(ErrorCodes.PLUGIN_LOAD)
    expect(err.message).toMatch(/^outputs\["audit\.file"\]: /)
  })

  it('reports a plugin that refuses its options in create() as a config error of that output', async () => {
    const err = await caught(createOutputs({ 'chat.x': output('./refuses.mjs') }, deps()))
    expect(err.code).toBe(ErrorCodes.CONFIG_INVALID)
    expect(err.kind).toBe('config')
    expect(err.message).toBe('outputs["chat.x"]: channel must start with C')
  })
})

describe('startOutputs', () => {
  function fake(id: string, start?: () => Promise<void>): OutputPlugin {
    const plugin: OutputPlugin = {
      id,
      capabilities: { edit: true, delete: false },
      send: async () => ({}),
      update: async (ref) => ref,
    }
    return start ? { ...plugin, start } : plugin
  }
  const rejected = new OutputError('auth', 'token rejected by Slack')

  it('starts every output and returns no failures when all succeed', async () => {
    let started = 0
    const outputs = new Map([
      ['a', fake('a', async () => void started++)],
      ['b', fake('b')],
      ['c', fake('c', async () => void started++)],
    ])
    const config = { a: output('x'), b: output('x'), c: output('x') }
    const readiness = await startOutputs(outputs, config, silentLogger())
    expect(readiness.skipped).toEqual([])
    expect(readiness.notReady()).toEqual([])
    expect(started).toBe(2)
  })

  it('logs and returns an optional output that failed, and keeps going', async () => {
    const { logger, lines } = logLines()
    const outputs = new Map([
      ['ok', fake('ok', async () => {})],
      ['maybe', fake('maybe', () => Promise.reject(rejected))],
    ])
    const config = { ok: output('x'), maybe: output('x', {}, true) }
    expect((await startOutputs(outputs, config, logger)).skipped).toEqual(['maybe'])
    expect(lines()).toContainEqual(expect.objectContaining({ level: 40, output: 'maybe' }))
  })

  it('fails listing every required output that definitely refused, with its message', async () => {
    const outputs = new Map([
      ['slack.a', fake('slack.a', () => Promise.reject(rejected))],
      ['hook.b', fake('hook.b', () => Promise.reject(new OutputError('invalid', 'no such channel')))],
      ['hook.c', fake('hook.c', () => Promise.reject(new Error('connect ECONNREFUSED')))],
      ['maybe', fake('maybe', () => Promise.reject(rejected))],
    ])
    const config = {
      'slack.a': output('x'),
      'hook.b': output('x'),
      'hook.c': output('x'),
      maybe: output('x', {}, true),
    }
    const err = await caught(startOutputs(outputs, config, silentLogger()))
    expect(err.code).toBe(ErrorCodes.OUTPUT_START)
    expect(err.message).toContain('outputs["slack.a"]: token rejected by Slack')
    expect(err.message).toContain('outputs["hook.b"]: no such channel')
    // A refused connection may pass on its own: it does not stop the boot.
    expect(err.message).not.toContain('hook.c')
    expect(err.message).not.toContain('outputs["maybe')
    expect(err.kind).toBe('config')
  })

  it('a temporary failure does not stop the boot: the output waits, start() is retried until it answers', async () => {
    const { logger, lines } = logLines()
    let calls = 0
    const ready: string[] = []
    const flaky = fake('telegram.ops', async () => {
      calls += 1
      if (calls === 1) throw new Error('getaddrinfo EAI_AGAIN api.telegram.org')
      if (calls === 2) throw new OutputError('transient', 'Telegram answered 502; will retry')
    })
    const outputs = new Map([
      ['telegram.ops', flaky],
      ['ok', fake('ok', async () => {})],
    ])
    const readiness = await startOutputs(outputs, { 'telegram.ops': output('x'), ok: output('x') }, logger, {
      backoff: { backoffBaseMs: 5, backoffMaxMs: 20 },
      onReady: (id) => ready.push(id),
    })
    expect(readiness.waiting()).toEqual(['telegram.ops'])
    expect(readiness.notReady()).toEqual([
      expect.objectContaining({
        output: 'telegram.ops',
        status: 'starting',
        attempts: 1,
        error: 'getaddrinfo EAI_AGAIN api.telegram.org',
      }),
    ])
    for (let i = 0; i < 500 && ready.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(ready).toEqual(['telegram.ops'])
    expect(calls).toBe(3)
    expect(readiness.waiting()).toEqual([])
    const said = lines().map((l) => [l.level, l.output, l.msg])
    expect(said).toContainEqual([
      40,
      'telegram.ops',
      expect.stringMatching(/^output telegram\.ops is not ready \(start failed: getaddrinfo EAI_AGAIN/),
    ])
    expect(said).toContainEqual([
      30,
      'telegram.ops',
      'output telegram.ops is ready; its waiting deliveries go out now',
    ])
  })

  it('a retry that definitely refuses marks the output failed and stops retrying; stop() ends retries', async () => {
    let calls = 0
    const outputs = new Map([
      [
        'slack.a',
        fake('slack.a', async () => {
          calls += 1
          throw calls === 1 ? new Error('ETIMEDOUT') : rejected
        }),
      ],
      ['hook.b', fake('hook.b', () => Promise.reject(new Error('ECONNRESET')))],
    ])
    const readiness = await startOutputs(
      outputs,
      { 'slack.a': output('x'), 'hook.b': output('x') },
      silentLogger(),
      {
        backoff: { backoffBaseMs: 5, backoffMaxMs: 10 },
      },
    )
    for (let i = 0; i < 500 && readiness.notReady()[0]?.status !== 'failed'; i++)
      await new Promise((r) => setTimeout(r, 10))
    expect(readiness.notReady()).toEqual([
      expect.objectContaining({ output: 'slack.a', status: 'failed', error: 'token rejected by Slack' }),
      expect.objectContaining({ output: 'hook.b', status: 'starting' }),
    ])
    readiness.stop()
    await new Promise((r) => setTimeout(r, 50))
    expect(calls).toBe(2)
    expect(readiness.waiting()).toEqual(['slack.a', 'hook.b'])
  })
})
