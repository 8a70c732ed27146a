import { loadConfig } from '../config/load-config.js'
import type { BridgeConfig } from '../config/types.js'
import { resolvePlugin } from '../plugins/registry.js'

/** Load and validate the config as the CLI does: file from --config, BRIDGE_CONFIG or the default. */
export async function loadCliConfig(
  configPath: string | undefined,
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Promise<{ config: BridgeConfig; path: string }> {
  const options: Parameters<typeof loadConfig>[0] = {
    env,
    cwd,
    resolvePluginSchema: async (type) => (await resolvePlugin(type, cwd)).configSchema,
  }
  if (configPath !== undefined) options.path = configPath
  return loadConfig(options)
}
