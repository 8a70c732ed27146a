export { type CoreSettings, coreSchema, DEFAULT_EVENTS } from './core-schema.js'
export { deepFreeze } from './deep-freeze.js'
export { type Env, interpolateEnv } from './interpolate-env.js'
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.js'
export { type ConfigProblem, formatPath, formatProblem } from './problems.js'
export {
  type ConfigLocation,
  DEFAULT_CONFIG_PATH,
  EXAMPLE_CONFIG_PATH,
  parseConfigText,
  readConfigFile,
  resolveConfigPath,
} from './read-config-file.js'
export type * from './types.js'
export { type ValidateConfigOptions, validateConfig } from './validate-config.js'
export { OUTPUT_ID_PATTERN, type ResolvePluginSchema } from './validate-outputs.js'
