import { describe, expect, it } from 'vitest'
import type { ConfigProblem } from '../../../src/config/problems.js'
import { validateOutputs } from '../../../src/config/validate-outputs.js'
import { knownOutputTypes, resolvePluginSchema } from './plugin-schemas.js'

const slackLike = {
  type: 'object',
  properties: {
    token: { type: 'string' },
    channel: { type: 'string' },
    smtp: { type: 'object', properties: { port: { type: 'integer' } } },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['token'],
  additionalProperties: false,
}

async function run(raw: unknown, resolve = resolvePluginSchema) {
  const problems: ConfigProblem[] = []
  const outputs = await validateOutputs(raw, resolve, problems, knownOutputTypes)
  return { outputs, problems }
}

describe('validateOutputs', () => {
  it('splits each output into type, optional and the plugin options, filling schema defaults', async () => {
    const { outputs, problems } = await run({
      'webhook.ops': { type: 'webhook', url: 'http://127.0.0.1/x', optional: true },
      console: { type: 'console', format: 'json' },
    })
    expect(problems).toEqual([])
    expect(outputs).toEqual({
      'webhook.ops': {
        type: 'webhook',
        optional: true,
        options: { url: 'http://127.0.0.1/x', timeoutMs: 5000 },
      },
      console: { type: 'console', optional: false, options: { format: 'json' } },
    })
  })

  it('names an unknown type, suggests a close built-in and lists the built-ins', async () => {
    const { problems } = await run({ a: { type: 'conslole' }, b: { type: 'slak' } })
    expect(problems).toEqual([
      {
        path: 'outputs.a.type',
        message:
          'unknown output type "conslole" (did you mean "console"?) (built-in: console, webhook; or a package name / path)',
      },
      {
        path: 'outputs.b.type',
        message: 'unknown output type "slak" (built-in: console, webhook; or a package name / path)',
      },
    ])
  })

  it('reports option errors from the plugin schema with bracketed output ids, without coercing types', async () => {
    const { problems } = await run(
      { 'slack.support': { type: 'slack', channel: 42, chanel: 'C1', smtp: { port: '25' }, tags: ['a', 3] } },
      async (type) => (type === 'slack' ? slackLike : undefined),
    )
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'outputs["slack.support"].token', message: 'is required' },
        { path: 'outputs["slack.support"].chanel', message: 'unknown option (did you mean "channel"?)' },
        { path: 'outputs["slack.support"].channel', message: 'must be string (got 42)' },
        { path: 'outputs["slack.support"].smtp.port', message: 'must be integer (got "25")' },
        { path: 'outputs["slack.support"].tags[1]', message: 'must be string (got 3)' },
      ]),
    )
    expect(problems).toHaveLength(5)
  })

  it('never echoes a value whose key may hold a credential (a webhook URL path often is one)', async () => {
    const hookLike = { type: 'object', properties: { url: { type: 'string', pattern: '^https?://' } } }
    const { problems } = await run(
      { 'hook.ops': { type: 'hook', url: 'htps://hooks.example.com/T000/B000/s3cr3t-path' } },
      async (type) => (type === 'hook' ? hookLike : undefined),
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]?.path).toBe('outputs["hook.ops"].url')
    expect(problems[0]?.message).toContain('(got a string of 46 characters, not shown)')
    expect(JSON.stringify(problems)).not.toContain('s3cr3t')
  })

  it('lists allowed values for enum errors', async () => {
    const { problems } = await run({ 'console.main': { type: 'console', format: 'xml' } })
    expect(problems).toEqual([
      { path: 'outputs["console.main"].format', message: 'must be one of: "text", "json" (got "xml")' },
    ])
  })

  it('turns a failing schema lookup or an invalid schema into a problem', async () => {
    const { problems } = await run({ a: { type: './broken.js' }, b: { type: 'weird' } }, (type) => {
      if (type === 'weird') return { type: 'object', properties: { x: { type: 'strnig' } } }
      throw new Error('Cannot find module ./broken.js')
    })
    expect(problems).toEqual([
      {
        path: 'outputs.a.type',
        message: 'cannot load output type "./broken.js": Cannot find module ./broken.js',
      },
      {
        path: 'outputs.b.type',
        message: expect.stringContaining('output type "weird" has an invalid options schema'),
      },
    ])
  })

  it('resolves each type once', async () => {
    const asked: string[] = []
    await run({ a: { type: 'console' }, b: { type: 'console' } }, (type) => {
      asked.push(type)
      return resolvePluginSchema(type)
    })
    expect(asked).toEqual(['console'])
  })

  it('checks ids, shapes, type and optional', async () => {
    const { problems, outputs } = await run({
      '-bad id': { type: 'console' },
      list: ['console'],
      notype: { format: 'text' },
      opt: { type: 'console', optional: 'maybe' },
    })
    expect(problems.map((p) => p.path)).toEqual([
      'outputs["-bad id"]',
      'outputs.list',
      'outputs.notype.type',
      'outputs.opt.optional',
    ])
    expect(Object.keys(outputs)).toEqual(['opt'])
  })
})
