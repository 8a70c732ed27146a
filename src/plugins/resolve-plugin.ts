import consolePlugin from '../../plugins/console/index.js'
import emailPlugin from '../../plugins/email/index.js'
import slackPlugin from '../../plugins/slack/index.js'
import telegramPlugin from '../../plugins/telegram/index.js'
import webhookPlugin from '../../plugins/webhook/index.js'
import type { PluginDefinition } from './api.js'
import { importPlugin, locatePlugin } from './load-plugin-module.js'

/** Output types that need no install; config names them directly (`type: webhook`). */
// biome-ignore lint/suspicious/noExplicitAny: each built-in has its own options type; the registry erases it.
export const builtinPlugins: Record<string, PluginDefinition<any>> = {
  [consolePlugin.type]: consolePlugin,
  [webhookPlugin.type]: webhookPlugin,
  [emailPlugin.type]: emailPlugin,
  [slackPlugin.type]: slackPlugin,
  [telegramPlugin.type]: telegramPlugin,
}

// Keyed by resolved file URL, so `./x.ts` and `/abs/x.ts` naming one file load it once.
const loaded = new Map<string, Promise<PluginDefinition>>()

/**
 * The plugin definition behind a config `type`: a built-in name, a path (starting with `.` or `/`,
 * resolved against `cwd`), or a package name resolved from `cwd`. Throws PLUGIN_LOAD when the module
 * cannot be found or imported, PLUGIN_INVALID when its default export is not a plugin definition.
 */
export async function resolvePlugin(type: string, cwd: string): Promise<PluginDefinition> {
  const builtin = builtinPlugins[type]
  if (builtin) return builtin
  const url = locatePlugin(type, cwd, Object.keys(builtinPlugins))
  let pending = loaded.get(url)
  if (!pending) {
    pending = importPlugin(type, url, cwd)
    loaded.set(url, pending)
    // A failed load is not cached: the operator may fix the file and `check-config` again.
    pending.catch(() => loaded.delete(url))
  }
  return pending
}
