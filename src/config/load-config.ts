import type { Env } from './interpolate-env.js'
import { displayPath, readConfigFile, resolveConfigPath } from './read-config-file.js'
import type { BridgeConfig } from './types.js'
import { validateConfig } from './validate-config.js'
import type { ResolvePluginSchema } from './validate-outputs.js'

export { validateConfig } from './validate-config.js'

export interface LoadConfigOptions {
  /** `--config`; else `BRIDGE_CONFIG` from env; else config/bridge.yaml (or the example when absent). */
  path?: string
  /** The environment for `${VAR}` (the CLI passes process.env; nothing else reads it). */
  env: Env
  cwd: string
  resolvePluginSchema: ResolvePluginSchema
  /** Built-in output types, for the "unknown output type" problem. */
  knownOutputTypes?: readonly string[]
}

export interface LoadedConfig {
  config: BridgeConfig
  /** Absolute path of the file that was read. */
  path: string
  /** True when config/bridge.yaml was absent and config/bridge.example.yaml was used instead. */
  usedExample: boolean
}

/**
 * Find, read, interpolate and validate the config. Throws BridgeError: CONFIG_NOT_FOUND,
 * CONFIG_PARSE, CONFIG_ENV_MISSING or CONFIG_INVALID (all problems at once), kind `config`.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const location = resolveConfigPath(options)
  const document = await readConfigFile(location.path, options.cwd)
  const validateOptions =
    options.knownOutputTypes === undefined
      ? { source: displayPath(location.path, options.cwd) }
      : { source: displayPath(location.path, options.cwd), knownOutputTypes: options.knownOutputTypes }
  const config = await validateConfig(document, options.env, options.resolvePluginSchema, validateOptions)
  return { config, path: location.path, usedExample: location.source === 'example' }
}
