import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { BridgeError, ErrorCodes, errorMessage } from '../errors.js'
import type { PluginDefinition } from './api.js'
import { resolvePackage } from './resolve-package.js'

// Node appends a require stack to resolution errors; the first line is the useful part.
function firstLine(err: unknown): string {
  return errorMessage(err).split('\n')[0] ?? ''
}

/** Whether a config `type` names a file rather than a package. */
export function isPathSpecifier(type: string): boolean {
  return type.startsWith('.') || path.isAbsolute(type)
}

/** What is missing for `value` to be a PluginDefinition (empty when it is one). */
export function missingDefinitionParts(value: unknown): string[] {
  if (value === null || typeof value !== 'object')
    return ['type (string)', 'configSchema (object)', 'create (function)']
  const def = value as Record<string, unknown>
  const missing: string[] = []
  if (typeof def.type !== 'string' || def.type === '') missing.push('type (string)')
  if (def.configSchema === null || typeof def.configSchema !== 'object') missing.push('configSchema (object)')
  if (typeof def.create !== 'function') missing.push('create (function)')
  return missing
}

/**
 * The plugin definition of a loaded module: its default export, unwrapping once more for
 * TypeScript-compiled CommonJS (`exports.default = …` arrives as `{ default: { default } }`).
 */
function definitionOf(mod: Record<string, unknown>, type: string, where: string): PluginDefinition {
  let candidate = mod.default
  if (missingDefinitionParts(candidate).length > 0 && candidate && typeof candidate === 'object') {
    const inner = (candidate as Record<string, unknown>).default
    if (missingDefinitionParts(inner).length === 0) candidate = inner
  }
  const missing = missingDefinitionParts(candidate)
  if (missing.length > 0) {
    const what =
      candidate === undefined ? 'has no default export' : `default export is missing ${missing.join(', ')}`
    throw new BridgeError(
      ErrorCodes.PLUGIN_INVALID,
      `output plugin "${type}" (${where}) is not a plugin: its ${what}; ` +
        'export default definePlugin({ type, configSchema, create }) from openline-bridge/plugin',
      { kind: 'config', details: { type, missing } },
    )
  }
  return candidate as PluginDefinition
}

/** Where a non-built-in `type` lives, as a file URL; PLUGIN_LOAD when it cannot be found. */
export function locatePlugin(type: string, cwd: string, builtins: readonly string[]): string {
  if (isPathSpecifier(type)) return pathToFileURL(path.resolve(cwd, type)).href
  try {
    return pathToFileURL(resolvePackage(type, cwd)).href
  } catch (err) {
    throw new BridgeError(
      ErrorCodes.PLUGIN_LOAD,
      `output type "${type}" is not a built-in (${builtins.join(', ')}) and no package of that name is ` +
        `installed in ${cwd} (${firstLine(err)}); run \`npm install ${type}\`, fix the type, ` +
        'or give a path starting with ./',
      { kind: 'config', cause: err, details: { type } },
    )
  }
}

const typeScriptFile = /\.[mc]?ts$/i

/**
 * Import a module; a `.ts` file when node cannot (the compiled bridge, `npm start`) goes through
 * tsx's loader when tsx is installed, so `type: ./my-plugin.ts` works with or without `dist/`.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>
  } catch (err) {
    const unknownExtension = (err as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION'
    if (!unknownExtension || !typeScriptFile.test(new URL(url).pathname)) throw err
    let tsImport: (specifier: string, parent: string) => Promise<unknown>
    try {
      ;({ tsImport } = await import('tsx/esm/api'))
    } catch {
      throw new Error(
        'it is TypeScript and this bridge runs compiled JavaScript without tsx installed: compile the plugin ' +
          '(tsc) and point `type` at the .js file, or `npm install tsx` next to the bridge',
      )
    }
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>
  }
}

/** Import a plugin module from a file URL and check its default export. */
export async function importPlugin(type: string, url: string, cwd: string): Promise<PluginDefinition> {
  let mod: Record<string, unknown>
  try {
    mod = await importModule(url)
  } catch (err) {
    const hint = isPathSpecifier(type)
      ? `check the path (relative paths resolve against ${cwd})`
      : `reinstall it with \`npm install ${type}\``
    throw new BridgeError(
      ErrorCodes.PLUGIN_LOAD,
      `cannot load output plugin "${type}" from ${fileURLToPath(url)}: ${firstLine(err)}; ${hint}`,
      { kind: 'config', cause: err, details: { type, url } },
    )
  }
  return definitionOf(mod, type, fileURLToPath(url))
}
