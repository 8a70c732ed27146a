import { Ajv, type ValidateFunction } from 'ajv'
import { ajvProblems } from '../config/format-ajv-errors.js'
import { formatProblem } from '../config/problems.js'
import { BridgeError, ErrorCodes, errorMessage } from '../errors.js'
import type { PluginDefinition } from './api.js'

// useDefaults: plugins receive their documented defaults; allErrors: report every problem at once.
// Formats are the config loader's job (it registers uri/email/hostname); here they are not re-checked.
// verbose: problems name the offending value and the known options, as the config loader's do.
const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: false,
  validateFormats: false,
  verbose: true,
})
const compiled = new WeakMap<object, ValidateFunction>()

function compile(definition: Pick<PluginDefinition<unknown>, 'type' | 'configSchema'>): ValidateFunction {
  const cached = compiled.get(definition.configSchema)
  if (cached) return cached
  try {
    const validate = ajv.compile(definition.configSchema)
    compiled.set(definition.configSchema, validate)
    return validate
  } catch (err) {
    throw new BridgeError(
      ErrorCodes.PLUGIN_INVALID,
      `output plugin "${definition.type}" has an invalid configSchema: ${errorMessage(err)}; fix the plugin`,
      { kind: 'config', cause: err },
    )
  }
}

/**
 * Options checked against the plugin's schema, as a fresh object with defaults filled in (the
 * config is frozen, so defaults are applied to a copy). Throws CONFIG_INVALID naming every field.
 */
export function validateOptions<Options = Record<string, unknown>>(
  definition: PluginDefinition<Options>,
  outputId: string,
  options: Record<string, unknown>,
): Options {
  const validate = compile(definition)
  const copy = structuredClone(options)
  // The schema is the plugin's own description of Options; ajv has just checked the copy against it.
  if (validate(copy)) return copy as Options
  const problems = ajvProblems(validate.errors ?? [], copy, ['outputs', outputId]).map(formatProblem)
  throw new BridgeError(ErrorCodes.CONFIG_INVALID, `invalid output options: ${problems.join('; ')}`, {
    kind: 'config',
    details: problems,
  })
}
