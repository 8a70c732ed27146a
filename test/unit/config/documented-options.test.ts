import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { builtinPlugins } from '../../../src/plugins/registry.js'

type Schema = { properties?: Record<string, Schema> }

function optionNames(schema: Schema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, prop]) => [
    `${prefix}${name}`,
    ...optionNames(prop, `${prefix}${name}.`),
  ])
}

const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')

describe('docs/configuration.md', () => {
  it.each(Object.keys(builtinPlugins))('documents every option of the %s output', (type) => {
    const start = docs.indexOf(`#### \`type: ${type}\``)
    expect(start, `a "#### \`type: ${type}\`" section`).toBeGreaterThan(-1)
    const next = docs.indexOf('\n#', start + 1)
    const section = docs.slice(start, next === -1 ? undefined : next)
    const names = optionNames(builtinPlugins[type]?.configSchema as Schema)
    expect(names.length).toBeGreaterThan(0)
    for (const name of names) {
      const row = new RegExp(`\\| \`${name.replaceAll('.', '\\.')}\` +\\|`)
      expect(section, `option ${name}`).toMatch(row)
    }
  })
})
