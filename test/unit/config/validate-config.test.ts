// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config documents use ${VAR} syntax
import { describe, expect, it } from 'vitest'
import { DEFAULT_ALLOWED_HOSTS } from '../../../src/config/core-schema.js'
import type { ConfigProblem } from '../../../src/config/problems.js'
import { validateConfig } from '../../../src/config/validate-config.js'
import { BridgeError, ErrorCodes } from '../../../src/errors.js'
import { knownOutputTypes, resolvePluginSchema } from './plugin-schemas.js'

const minimal = { outputs: { 'console.main': { type: 'console' } } }

function validate(doc: unknown, env: Record<string, string | undefined> = {}) {
  return validateConfig(doc, env, resolvePluginSchema, { knownOutputTypes })
}

async function problemsOf(
  doc: unknown,
  env: Record<string, string | undefined> = {},
): Promise<ConfigProblem[]> {
  const err = await validate(doc, env).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(BridgeError)
  return (err as BridgeError).details as ConfigProblem[]
}

describe('validateConfig', () => {
  it('applies every default to a minimal config, and routes everything to every output', async () => {
    const config = await validate({
      outputs: { 'console.main': { type: 'console' }, 'webhook.ops': { type: 'webhook', url: 'http://x/' } },
    })
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 8080,
      path: '/bitrix/events',
      bodyLimit: 262144,
      parameterLimit: 1000,
      depth: 8,
      installPath: '/bitrix/install',
      headersTimeoutMs: 10000,
      requestTimeoutMs: 30000,
      maxConnectionsPerIp: 64,
      trustProxy: [],
      admin: { host: '127.0.0.1', port: 9464, token: '' },
    })
    expect(config.storage).toEqual({
      driver: 'sqlite',
      path: './data/bridge.db',
      url: '',
      poolSize: 10,
      synchronous: 'full',
      historyDays: 30,
    })
    expect(config.bitrix).toEqual({
      allowedHosts: DEFAULT_ALLOWED_HOSTS,
      delivery: 'online',
      offlinePollSeconds: 60,
      onUninstall: 'keep',
      files: 'link',
      portals: [],
      rateLimit: { burst: 50, perSecond: 2 },
      connectors: [],
      events: ['ONOPENLINEMESSAGEUPDATE', 'ONOPENLINEMESSAGEADD', 'ONOPENLINEMESSAGEDELETE'],
      timeoutMs: 10000,
      batchTimeoutMs: 60000,
      connectTimeoutMs: 5000,
      retries: 3,
    })
    expect(config.policy).toEqual({ missingOriginal: 'send-new', editMarker: '(edited)', deleted: 'strike' })
    expect(config.pipeline).toEqual({
      maxAttempts: 10,
      maxAgeSeconds: 86400,
      leaseSeconds: 60,
      pollIntervalMs: 1000,
      backoffBaseMs: 1000,
      backoffMaxMs: 300000,
      batchSize: 50,
      outputConcurrency: 4,
      maxReplyBytes: 16777216,
      coalesceWindowMs: 250,
      maxPendingPerPortal: 10000,
      orderWaitMs: 5000,
      sessionThreads: 'new',
    })
    expect(config.log).toEqual({ level: 'info', pretty: false })
    expect(config.routes).toEqual([{ match: {}, to: ['console.main', 'webhook.ops'] }])
  })

  it('collects every problem of a document at once, each with its path', async () => {
    const problems = await problemsOf({
      sever: { port: 1 },
      server: { prot: 1, port: 'eighty' },
      bitrix: { portals: [{ domain: 'https://x.bitrix24.com/' }] },
      outputs: {
        'webhook.ops': { type: 'webhook', url: '${OPS_URL}' },
        'console.main': { type: 'console', colour: 'red' },
      },
      routes: [{ match: { line: 'abc' }, to: ['webhook.ops'] }, { to: ['slack.typo'] }],
      policy: { deleted: 'erase' },
      pipeline: { batchSize: 51 },
    })
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: 'outputs["webhook.ops"].url',
          message: 'environment variable OPS_URL is not set',
        },
        { path: 'sever', message: 'unknown option (did you mean "server"?)' },
        { path: 'server.prot', message: 'unknown option (did you mean "port"?)' },
        { path: 'server.port', message: 'must be an integer from 0 to 65535 (got "eighty")' },
        { path: 'bitrix.portals[0].applicationToken', message: 'is required' },
        {
          path: 'bitrix.portals[0].domain',
          message: 'must be a host name like example.bitrix24.com (no https://, no path)',
        },
        { path: 'outputs["console.main"].colour', message: 'unknown option' },
        { path: 'routes[0].match.line', message: 'must be a number or a list of numbers' },
        {
          path: 'routes[1].to[0]',
          message: 'unknown output "slack.typo" (known: webhook.ops, console.main)',
        },
        { path: 'policy.deleted', message: 'must be one of: strike, delete, ignore (got "erase")' },
        { path: 'pipeline.batchSize', message: 'must be an integer from 1 to 50 (got 51)' },
      ]),
    )
    expect(problems).toHaveLength(11)
    // The unset variable is reported once, not again as an invalid URL.
    expect(problems.filter((p) => p.path === 'outputs["webhook.ops"].url')).toHaveLength(1)
  })

  it('throws CONFIG_INVALID of kind config, or CONFIG_ENV_MISSING when only variables are missing', async () => {
    const invalid = await validate({ ...minimal, log: { level: 'loud' } }).catch((e: unknown) => e)
    expect(invalid).toMatchObject({ code: ErrorCodes.CONFIG_INVALID, kind: 'config' })
    expect((invalid as Error).message).toContain('log.level: must be one of: fatal, error')

    const missing = await validate({ ...minimal, storage: { path: '${DB_PATH}' } }).catch((e: unknown) => e)
    expect(missing).toMatchObject({ code: ErrorCodes.CONFIG_ENV_MISSING, kind: 'config' })
    expect((missing as Error).message).toContain('storage.path: environment variable DB_PATH is not set')
  })

  it('coerces numbers, booleans and lists that came from environment variables', async () => {
    const config = await validate(
      {
        ...minimal,
        server: { port: '${PORT}' },
        log: { pretty: '${PRETTY}' },
        bitrix: { connectors: '${CONNECTORS}', rateLimit: { perSecond: '${RATE}' } },
        routes: [{ match: { line: '${LINE}' }, to: 'console.main' }],
      },
      { PORT: '8443', PRETTY: 'true', CONNECTORS: 'telegrambot, whatsappbyedna', RATE: '0.5', LINE: '128' },
    )
    expect(config.server.port).toBe(8443)
    expect(config.log.pretty).toBe(true)
    expect(config.bitrix.connectors).toEqual(['telegrambot', 'whatsappbyedna'])
    expect(config.bitrix.rateLimit.perSecond).toBe(0.5)
    expect(config.routes).toEqual([{ match: { line: [128] }, to: ['console.main'] }])
  })

  it('normalizes portals: webhook URL ends with "/", numeric member id becomes a string, empty optional = unset', async () => {
    const config = await validate({
      ...minimal,
      bitrix: {
        portals: [
          {
            domain: 'a.bitrix24.com',
            applicationToken: 't1',
            memberId: 12345,
            webhookUrl: 'https://a.bitrix24.com/rest/1/x',
          },
          { domain: 'b.bitrix24.com', applicationToken: 't2', memberId: '', webhookUrl: '' },
        ],
      },
    })
    expect(config.bitrix.portals).toEqual([
      {
        domain: 'a.bitrix24.com',
        applicationToken: 't1',
        memberId: '12345',
        webhookUrl: 'https://a.bitrix24.com/rest/1/x/',
      },
      { domain: 'b.bitrix24.com', applicationToken: 't2' },
    ])
  })

  it('rejects bad webhook URLs and duplicate portals', async () => {
    const problems = await problemsOf({
      ...minimal,
      bitrix: {
        portals: [
          { domain: 'a.bitrix24.com', applicationToken: 't', webhookUrl: 'ftp://a/rest/1/x/' },
          { domain: 'A.bitrix24.com', applicationToken: 't' },
        ],
      },
    })
    expect(problems.map((p) => p.path)).toEqual(['bitrix.portals[0].webhookUrl', 'bitrix.portals[1]'])
    expect(problems[1]?.message).toBe('same portal as bitrix.portals[0] (a.bitrix24.com)')
  })

  it('normalizes route match values and targets to lists, without duplicate targets', async () => {
    const config = await validate({
      outputs: { 'console.main': { type: 'console' }, 'webhook.ops': { type: 'webhook', url: 'http://x/' } },
      routes: [
        {
          match: { connector: 'telegrambot', line: [128, 130], portal: ['a.bitrix24.com'], chat: 7 },
          to: 'webhook.ops',
        },
        { to: ['console.main', 'console.main'] },
      ],
    })
    expect(config.routes).toEqual([
      {
        match: { portal: ['a.bitrix24.com'], connector: ['telegrambot'], line: [128, 130], chat: [7] },
        to: ['webhook.ops'],
      },
      { match: {}, to: ['console.main'] },
    ])
  })

  it('reports route shape problems with paths', async () => {
    const problems = await problemsOf({
      ...minimal,
      routes: [{ match: { conector: 'x', connector: [1] } }, 'console.main'],
    })
    expect(problems).toEqual([
      { path: 'routes[0].match.conector', message: 'unknown option (did you mean "connector"?)' },
      { path: 'routes[0].match.connector', message: 'must be a string or a list of strings' },
      { path: 'routes[0].to', message: 'is required: the output id(s) this route delivers to' },
      { path: 'routes[1]', message: 'must be a mapping {match, to}, got a string' },
    ])
  })

  it('rejects a document that is not a mapping, and sections that are not mappings', async () => {
    expect(await problemsOf(['a'])).toEqual([
      { path: '', message: 'the config must be a mapping of settings, got a list' },
    ])
    expect(await problemsOf({ ...minimal, server: 8080 })).toEqual([
      { path: 'server', message: 'must be a mapping, got a number' },
    ])
  })

  it('takes bitrix.files link or public-link, and names the allowed values otherwise', async () => {
    const config = await validate({ ...minimal, bitrix: { files: 'public-link' } })
    expect(config.bitrix.files).toBe('public-link')
    expect(await problemsOf({ ...minimal, bitrix: { files: 'public' } })).toEqual([
      { path: 'bitrix.files', message: 'must be one of: link, public-link (got "public")' },
    ])
  })

  it('requires at least one output', async () => {
    const problems = await problemsOf({})
    expect(problems.map((p) => p.path)).toEqual(['outputs'])
  })

  it('checks backoffMaxMs against backoffBaseMs', async () => {
    const problems = await problemsOf({ ...minimal, pipeline: { backoffBaseMs: 5000, backoffMaxMs: 100 } })
    expect(problems).toEqual([
      { path: 'pipeline.backoffMaxMs', message: 'must be ≥ pipeline.backoffBaseMs (5000)' },
    ])
  })

  it('returns a deep-frozen config', async () => {
    const config = await validate({
      ...minimal,
      bitrix: { portals: [{ domain: 'a.b', applicationToken: 't' }] },
    })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.bitrix.portals[0])).toBe(true)
    expect(Object.isFrozen(config.outputs['console.main']?.options)).toBe(true)
    expect(Object.isFrozen(config.routes[0]?.to)).toBe(true)
    expect(() => {
      ;(config.server as { port: number }).port = 1
    }).toThrow(TypeError)
  })
})

describe('validateConfig: plugins that cannot be used', () => {
  const failing = (code: typeof ErrorCodes.PLUGIN_LOAD | typeof ErrorCodes.PLUGIN_INVALID) => async () => {
    throw new BridgeError(code, `output plugin "./x.js" failed (${code})`, { kind: 'config' })
  }

  it('keeps BRG_ERR_PLUGIN_LOAD / BRG_ERR_PLUGIN_INVALID as the code when they are the only problems', async () => {
    for (const code of [ErrorCodes.PLUGIN_LOAD, ErrorCodes.PLUGIN_INVALID]) {
      const err = await validateConfig({ outputs: { a: { type: './x.js' } } }, {}, failing(code)).catch(
        (e: unknown) => e,
      )
      expect(err).toMatchObject({ code, kind: 'config' })
      expect((err as Error).message).toContain(`outputs.a.type: output plugin "./x.js" failed (${code})`)
    }
  })

  it('is CONFIG_INVALID when other problems come with it', async () => {
    const err = await validateConfig(
      { server: { port: 'eighty' }, outputs: { a: { type: './x.js' } } },
      {},
      failing(ErrorCodes.PLUGIN_LOAD),
    ).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: ErrorCodes.CONFIG_INVALID })
  })
})
