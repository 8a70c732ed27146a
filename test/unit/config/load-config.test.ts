// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config documents use ${VAR} syntax
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load-config.js'
import { BridgeError, ErrorCodes } from '../../../src/errors.js'
import { knownOutputTypes, resolvePluginSchema } from './plugin-schemas.js'

const yamlConfig = `
server:
  port: \${PORT:-9090}
outputs:
  console.main: { type: console, format: json }
`
const jsonConfig = JSON.stringify({
  server: { port: 9191 },
  outputs: { 'console.main': { type: 'console' } },
})

let cwd: string

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'bridge-config-'))
  await mkdir(join(cwd, 'config'))
})
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true })
})

async function load(path: string | undefined, env: Record<string, string | undefined> = {}) {
  const options: Parameters<typeof loadConfig>[0] = { env, cwd, resolvePluginSchema, knownOutputTypes }
  if (path !== undefined) options.path = path
  return loadConfig(options)
}

async function failure(promise: Promise<unknown>): Promise<BridgeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(BridgeError)
  return err as BridgeError
}

describe('loadConfig', () => {
  it('loads YAML given with --config, interpolating env and coercing numbers', async () => {
    await writeFile(join(cwd, 'my.yaml'), yamlConfig)
    const { config, path } = await load('my.yaml', { PORT: '7070' })
    expect(path).toBe(join(cwd, 'my.yaml'))
    expect(config.server.port).toBe(7070)
    expect(config.outputs['console.main']).toEqual({
      type: 'console',
      optional: false,
      options: { format: 'json' },
    })
  })

  it('loads JSON files', async () => {
    await writeFile(join(cwd, 'bridge.json'), jsonConfig)
    const { config } = await load('bridge.json')
    expect(config.server.port).toBe(9191)
  })

  it('uses BRIDGE_CONFIG when no --config is given', async () => {
    await writeFile(join(cwd, 'from-env.yaml'), yamlConfig)
    const { path, config } = await load(undefined, { BRIDGE_CONFIG: 'from-env.yaml' })
    expect(path).toBe(join(cwd, 'from-env.yaml'))
    expect(config.server.port).toBe(9090)
  })

  it('prefers config/bridge.yaml, and falls back to the example when it is missing', async () => {
    await writeFile(join(cwd, 'config/bridge.example.yaml'), yamlConfig)
    const fallback = await load(undefined)
    expect(fallback.path).toBe(join(cwd, 'config/bridge.example.yaml'))
    expect(fallback.usedExample).toBe(true)

    await writeFile(join(cwd, 'config/bridge.yaml'), jsonConfig)
    const main = await load(undefined)
    expect(main.path).toBe(join(cwd, 'config/bridge.yaml'))
    expect(main.usedExample).toBe(false)
  })

  it('fails with CONFIG_NOT_FOUND telling to copy the example', async () => {
    const err = await failure(load('missing.yaml'))
    expect(err.code).toBe(ErrorCodes.CONFIG_NOT_FOUND)
    expect(err.kind).toBe('config')
    expect(err.message).toContain('missing.yaml')
    expect(err.message).toContain('copy config/bridge.example.yaml')
    const none = await failure(load(undefined))
    expect(none.code).toBe(ErrorCodes.CONFIG_NOT_FOUND)
  })

  it('reports YAML syntax errors with file:line:column', async () => {
    await writeFile(join(cwd, 'bad.yaml'), 'server:\n  port: 1\n  port: 2\nlog: [oops\n')
    const err = await failure(load('bad.yaml'))
    expect(err.code).toBe(ErrorCodes.CONFIG_PARSE)
    expect(err.message).toMatch(/bad\.yaml:3:3: .*[Mm]ap keys must be unique/)
    expect(err.message).toMatch(/bad\.yaml:\d+:\d+: /)
  })

  it('reports JSON syntax errors with file:line:column', async () => {
    await writeFile(join(cwd, 'bad.json'), '{\n  "server": {\n    "port": 1,\n  }\n}\n')
    const err = await failure(load('bad.json'))
    expect(err.code).toBe(ErrorCodes.CONFIG_PARSE)
    expect(err.message).toMatch(/bad\.json:4:\d+: /)
  })

  it('prefixes every validation problem with the file and lists them one per line', async () => {
    await writeFile(
      join(cwd, 'invalid.yaml'),
      'server: { port: 99999 }\nlogg: {}\noutputs:\n  x: { type: slak }\n',
    )
    const err = await failure(load('invalid.yaml'))
    expect(err.code).toBe(ErrorCodes.CONFIG_INVALID)
    const [header, ...lines] = err.message.split('\n')
    expect(header).toContain('3 problems')
    expect(lines).toEqual([
      'invalid.yaml: logg: unknown option (did you mean "log"?)',
      'invalid.yaml: server.port: must be an integer from 0 to 65535 (got 99999)',
      'invalid.yaml: outputs.x.type: unknown output type "slak" (built-in: console, webhook; or a package name / path)',
    ])
  })
})
