import { BridgeError, ErrorCodes } from '../errors.js'
import { deepFreeze } from './deep-freeze.js'
import { type Env, interpolateEnv } from './interpolate-env.js'
import { type ConfigProblem, describeType, formatProblem, isPlainObject } from './problems.js'
import type { BridgeConfig } from './types.js'
import { resolveAppSettings } from './validate-app.js'
import { validateCore } from './validate-core.js'
import { type ResolvePluginSchema, validateOutputs } from './validate-outputs.js'
import { validatePortals } from './validate-portals.js'
import { validateRoutes } from './validate-routes.js'

export interface ValidateConfigOptions {
  /** Shown before every problem (the config file, as the user typed or sees it). */
  source?: string
  /** Built-in output types, listed in the "unknown output type" problem and used for suggestions. */
  knownOutputTypes?: readonly string[]
}

/**
 * Everything but reading the file: `${VAR}` interpolation, core settings with defaults, portals,
 * outputs (each with its plugin's schema) and routes. All problems are collected and thrown
 * together in one BridgeError; the result is deep-frozen.
 */
export async function validateConfig(
  document: unknown,
  env: Env,
  resolvePluginSchema: ResolvePluginSchema,
  options: ValidateConfigOptions = {},
): Promise<BridgeConfig> {
  const interpolated = interpolateEnv(document ?? {}, env)
  const problems: ConfigProblem[] = [...interpolated.problems]
  const envProblemCount = problems.length
  const root = interpolated.value
  if (!isPlainObject(root)) {
    problems.push({
      path: '',
      message: `the config must be a mapping of settings, got ${describeType(root)}`,
    })
    throw configError(problems, envProblemCount, options.source)
  }
  const { outputs: rawOutputs, routes: rawRoutes, ...rest } = root
  const core = validateCore(rest, problems)
  const portals = validatePortals(core.bitrix.portals, problems)
  const { bitrix, storage } = resolveAppSettings(core, problems)
  const outputs = await validateOutputs(rawOutputs, resolvePluginSchema, problems, options.knownOutputTypes)
  // Routes may name any declared output, even one whose options were wrong: that is one problem, not two.
  const declared = isPlainObject(rawOutputs) ? Object.keys(rawOutputs) : []
  const routes = validateRoutes(rawRoutes, declared, problems)
  const reported = withoutFollowUps(problems, envProblemCount)
  if (reported.length > 0) throw configError(reported, envProblemCount, options.source)
  return deepFreeze({ ...core, storage, bitrix: { ...bitrix, portals }, outputs, routes })
}

/** A value whose variable is unset is reported once, not again as "must be a number". */
function withoutFollowUps(problems: ConfigProblem[], envProblemCount: number): ConfigProblem[] {
  const envPaths = new Set(problems.slice(0, envProblemCount).map((p) => p.path))
  return problems.filter((problem, index) => index < envProblemCount || !envPaths.has(problem.path))
}

/**
 * One error for all problems, one per line, each prefixed with the file. When the only problems
 * are unset environment variables the code says so (BRG_ERR_CONFIG_ENV_MISSING).
 */
function configError(
  problems: ConfigProblem[],
  envProblemCount: number,
  source: string | undefined,
): BridgeError {
  const prefix = source === undefined ? '' : `${source}: `
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  const lines = problems.map((problem) => `${prefix}${formatProblem(problem)}`)
  const onlyEnv =
    envProblemCount === problems.length &&
    problems.every((p) => p.message.startsWith('environment variable '))
  // One precise code when every problem shares it (a plugin that cannot load: BRG_ERR_PLUGIN_LOAD).
  const shared = problems[0]?.code
  const code = onlyEnv
    ? ErrorCodes.CONFIG_ENV_MISSING
    : shared !== undefined && problems.every((p) => p.code === shared)
      ? shared
      : ErrorCodes.CONFIG_INVALID
  const hint = onlyEnv
    ? `set the variables or give them defaults with \${NAME:-default}`
    : 'fix them and start again'
  return new BridgeError(code, `config has ${count} (${hint}):\n${lines.join('\n')}`, {
    kind: 'config',
    details: problems,
  })
}
