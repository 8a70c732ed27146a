// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config documents use ${VAR} syntax
import { describe, expect, it } from 'vitest'
import { interpolateEnv } from '../../../src/config/interpolate-env.js'

describe('interpolateEnv', () => {
  it('replaces ${VAR} in string values at any depth, leaving keys and non-strings alone', () => {
    const doc = { outputs: { 'slack.${X}': { token: 'xoxb-${TOKEN}', list: ['a${TOKEN}b', 3, true, null] } } }
    const { value, problems } = interpolateEnv(doc, { TOKEN: 'secret', X: 'nope' })
    expect(problems).toEqual([])
    expect(value).toEqual({
      outputs: { 'slack.${X}': { token: 'xoxb-secret', list: ['asecretb', 3, true, null] } },
    })
  })

  it('uses ${VAR:-default} when the variable is unset or empty, and the variable when set', () => {
    const doc = { a: '${A:-one}', b: '${B:-two}', c: '${C:-three}', d: '${D:-}', e: '${E:-x:-y}' }
    const { value, problems } = interpolateEnv(doc, { A: 'set', B: '' })
    expect(problems).toEqual([])
    expect(value).toEqual({ a: 'set', b: 'two', c: 'three', d: '', e: 'x:-y' })
  })

  it('does not let a value containing YAML syntax change the document', () => {
    const { value } = interpolateEnv({ token: '${T}' }, { T: '"quoted": yes\n- item' })
    expect(value).toEqual({ token: '"quoted": yes\n- item' })
  })

  it('turns $${VAR} into a literal ${VAR}', () => {
    const { value, problems } = interpolateEnv({ text: 'cost $${PRICE} and ${A}', other: '$$5' }, { A: 'a' })
    expect(problems).toEqual([])
    expect(value).toEqual({ text: 'cost ${PRICE} and a', other: '$$5' })
  })

  it('reports every unset variable with the path of the value', () => {
    const doc = {
      outputs: { 'slack.support': { token: '${SLACK_BOT_TOKEN}' } },
      bitrix: { portals: [{ applicationToken: '${B24_APP_TOKEN}' }] },
    }
    const { problems } = interpolateEnv(doc, {})
    expect(problems).toEqual([
      { path: 'outputs["slack.support"].token', message: 'environment variable SLACK_BOT_TOKEN is not set' },
      {
        path: 'bitrix.portals[0].applicationToken',
        message: 'environment variable B24_APP_TOKEN is not set',
      },
    ])
  })

  it('reports malformed references', () => {
    const { problems } = interpolateEnv({ a: '${not valid}', b: 'x${OPEN' }, {})
    expect(problems.map((p) => p.path)).toEqual(['a', 'b'])
    expect(problems[0]?.message).toMatch(/invalid reference "\$\{not valid\}"/)
    expect(problems[1]?.message).toMatch(/unterminated/)
  })

  it('does not modify the input document', () => {
    const doc = { a: '${A}' }
    interpolateEnv(doc, { A: 'x' })
    expect(doc).toEqual({ a: '${A}' })
  })
})
