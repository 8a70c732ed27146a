import convict from 'convict'
import { type CoreSettings, coreSchema } from './core-schema.js'
import {
  type ConfigProblem,
  describeType,
  isPlainObject,
  type PathSegment,
  problemAt,
  unknownKeyProblems,
} from './problems.js'

type SchemaNode = Record<string, unknown>

const isLeaf = (node: SchemaNode): boolean => 'default' in node

/**
 * Core settings (everything but `outputs` and `routes`) with defaults applied. Unknown keys and
 * non-mappings are caught here, with paths and suggestions, before convict sees the document:
 * convict reports only the first of those and guesses less helpfully.
 */
export function validateCore(document: Record<string, unknown>, problems: ConfigProblem[]): CoreSettings {
  const clean = prepare(coreSchema as SchemaNode, document, [], problems)
  const config = convict(coreSchema, { env: {}, args: [] })
  config.load(clean)
  try {
    config.validate({ allowed: 'strict', output: () => {} })
  } catch (err) {
    problems.push(...convictProblems(err))
  }
  const core = config.getProperties()
  if (core.pipeline.backoffMaxMs < core.pipeline.backoffBaseMs) {
    problems.push(
      problemAt(
        ['pipeline', 'backoffMaxMs'],
        `must be ≥ pipeline.backoffBaseMs (${core.pipeline.backoffBaseMs})`,
      ),
    )
  }
  return core
}

/** Keep known keys only; coerce strings from `${VAR}` to the number/boolean/list the default has. */
function prepare(
  schema: SchemaNode,
  value: Record<string, unknown>,
  segments: PathSegment[],
  problems: ConfigProblem[],
): Record<string, unknown> {
  const known = Object.keys(schema)
  problems.push(...unknownKeyProblems(value, known, segments))
  const out: Record<string, unknown> = {}
  for (const key of known) {
    const item = value[key]
    // An empty YAML value (`port:`) means "use the default".
    if (item === undefined || item === null) continue
    const node = schema[key] as SchemaNode
    const path = [...segments, key]
    if (isLeaf(node)) {
      const value = coerce(item, node.default)
      const problem = uncoercible(value, node)
      if (problem === undefined) out[key] = value
      else problems.push(problemAt(path, problem))
    } else if (isPlainObject(item)) out[key] = prepare(node, item, path, problems)
    else problems.push(problemAt(path, `must be a mapping, got ${describeType(item)}`))
  }
  return out
}

function coerce(value: unknown, defaultValue: unknown): unknown {
  if (typeof value !== 'string') return value
  const text = value.trim()
  if (typeof defaultValue === 'number' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  if (typeof defaultValue === 'boolean' && (text === 'true' || text === 'false')) return text === 'true'
  // A tri-state (`null` = decided by other settings): `${ALLOW_INSTALL:-}` leaves it unset.
  if (defaultValue === null)
    return text === '' ? null : text === 'true' ? true : text === 'false' ? false : value
  if (Array.isArray(defaultValue) && typeof defaultValue[0] !== 'object') {
    // `connectors: ${CONNECTORS:-}` → a comma-separated list.
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
  }
  return value
}

/**
 * A string left where a number or boolean belongs: convict would parseFloat it ("80x" → 80) or
 * read any non-"false" text as true, so it is reported here with the field's own message.
 */
function uncoercible(value: unknown, node: SchemaNode): string | undefined {
  if (typeof value !== 'string') return undefined
  if (typeof node.default !== 'number' && typeof node.default !== 'boolean') return undefined
  try {
    if (typeof node.format === 'function') node.format(value)
  } catch (err) {
    return `${err instanceof Error ? err.message : String(err)} (got ${JSON.stringify(value)})`
  }
  return `must be a ${typeof node.default} (got ${JSON.stringify(value)})`
}

/** convict throws one Error with a line per problem: `<path>: <message>[: value was <json>]`. */
function convictProblems(err: unknown): ConfigProblem[] {
  const text = err instanceof Error ? err.message : String(err)
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const colon = line.indexOf(': ')
      if (colon === -1) return { path: '', message: line }
      const message = line.slice(colon + 2).replace(/: value was (.*)$/, ' (got $1)')
      return { path: line.slice(0, colon), message }
    })
}
