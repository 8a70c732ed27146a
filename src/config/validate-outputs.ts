import { Ajv, type ValidateFunction } from 'ajv'
import { type ErrorCode, errorMessage, isBridgeError } from '../errors.js'
import { ajvProblems } from './format-ajv-errors.js'
import { type ConfigProblem, describeType, isPlainObject, problemAt } from './problems.js'
import { didYouMean } from './suggest.js'
import type { OutputConfig } from './types.js'

/** The JSON schema of an output type's options; undefined when the type is unknown. May load a module. */
export type ResolvePluginSchema = (type: string) => Promise<object | undefined> | object | undefined

export const OUTPUT_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/i

type Compiled = { validate: ValidateFunction } | { problem: string; code?: ErrorCode }

/**
 * `outputs`: id → {type, optional?, ...options}. Options are checked with the plugin's own schema
 * (ajv: all errors, defaults filled in, no type coercion, strict schemas).
 */
export async function validateOutputs(
  raw: unknown,
  resolvePluginSchema: ResolvePluginSchema,
  problems: ConfigProblem[],
  knownTypes?: readonly string[],
): Promise<Record<string, OutputConfig>> {
  if (raw === undefined || raw === null || (isPlainObject(raw) && Object.keys(raw).length === 0)) {
    problems.push(
      problemAt(['outputs'], 'define at least one output (e.g. `console.main: { type: console }`)'),
    )
    return {}
  }
  if (!isPlainObject(raw)) {
    problems.push(
      problemAt(['outputs'], `must be a mapping of output id → {type, ...options}, got ${describeType(raw)}`),
    )
    return {}
  }
  const ajv = createAjv()
  const compiled = new Map<string, Promise<Compiled>>()
  const outputs: Record<string, OutputConfig> = {}
  for (const [id, value] of Object.entries(raw)) {
    const at = ['outputs', id]
    if (!OUTPUT_ID_PATTERN.test(id)) {
      problems.push(
        problemAt(at, 'output ids start with a letter or digit and use only letters, digits, ".", "_", "-"'),
      )
      continue
    }
    if (!isPlainObject(value)) {
      problems.push(problemAt(at, `must be a mapping with a type, got ${describeType(value)}`))
      continue
    }
    const { type, optional, ...options } = value
    const isOptional = optional === true || optional === 'true'
    if (
      optional !== undefined &&
      optional !== null &&
      typeof optional !== 'boolean' &&
      optional !== 'true' &&
      optional !== 'false'
    ) {
      problems.push(problemAt([...at, 'optional'], 'must be true or false'))
    }
    if (typeof type !== 'string' || type === '') {
      problems.push(problemAt([...at, 'type'], 'is required: a built-in type, a package name or a path'))
      continue
    }
    let entry = compiled.get(type)
    if (entry === undefined) {
      entry = compile(ajv, type, resolvePluginSchema, knownTypes)
      compiled.set(type, entry)
    }
    const result = await entry
    if ('problem' in result) {
      const problem = problemAt([...at, 'type'], result.problem)
      if (result.code !== undefined) problem.code = result.code
      problems.push(problem)
      continue
    }
    if (!result.validate(options)) problems.push(...ajvProblems(result.validate.errors ?? [], options, at))
    outputs[id] = { type, optional: isOptional, options }
  }
  return outputs
}

async function compile(
  ajv: Ajv,
  type: string,
  resolvePluginSchema: ResolvePluginSchema,
  knownTypes: readonly string[] | undefined,
): Promise<Compiled> {
  let schema: object | undefined
  try {
    schema = await resolvePluginSchema(type)
  } catch (err) {
    // PLUGIN_LOAD / PLUGIN_INVALID say it better than "invalid config": keep the code and message.
    if (isBridgeError(err)) return { problem: err.message, code: err.code }
    return { problem: `cannot load output type "${type}": ${errorMessage(err)}` }
  }
  if (schema === undefined) {
    const builtIn = knownTypes === undefined ? '' : `built-in: ${knownTypes.join(', ')}; `
    const hint = knownTypes === undefined ? '' : didYouMean(type, knownTypes)
    return { problem: `unknown output type "${type}"${hint} (${builtIn}or a package name / path)` }
  }
  try {
    return { validate: ajv.compile(schema) }
  } catch (err) {
    return { problem: `output type "${type}" has an invalid options schema: ${errorMessage(err)}` }
  }
}

function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    coerceTypes: false,
    strict: true,
    allowUnionTypes: true,
    verbose: true,
  })
  // ajv ships no formats; these are the ones output options use (URLs, addresses, hosts).
  ajv.addFormat('uri', { type: 'string', validate: isUrl })
  ajv.addFormat('url', { type: 'string', validate: isUrl })
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/)
  ajv.addFormat('hostname', /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i)
  return ajv
}

function isUrl(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1
  } catch {
    return false
  }
}
