import { loadConfig } from '../config/load-config.js'
import type { BridgeConfig } from '../config/types.js'
import { ErrorCodes, isBridgeError } from '../errors.js'
import { builtinPlugins, resolvePlugin } from '../plugins/registry.js'

/** Load and validate the config as the CLI does: file from --config, BRIDGE_CONFIG or the default. */
export async function loadCliConfig(
  configPath: string | undefined,
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Promise<{ config: BridgeConfig; path: string; usedExample: boolean }> {
  const options: Parameters<typeof loadConfig>[0] = {
    env,
    cwd,
    knownOutputTypes: Object.keys(builtinPlugins),
    resolvePluginSchema: async (type: string) => {
      try {
        return (await resolvePlugin(type, cwd)).configSchema
      } catch (err) {
        // A bare word that is neither built in nor installed is most likely a typo of a built-in:
        // let the validator say "unknown output type" with a suggestion.
        if (isBridgeError(err) && err.code === ErrorCodes.PLUGIN_LOAD && /^[a-z0-9-]+$/i.test(type))
          return undefined
        throw err
      }
    },
  }
  if (configPath !== undefined) options.path = configPath
  return loadConfig(options)
}
