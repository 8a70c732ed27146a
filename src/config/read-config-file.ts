import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { BridgeError, ErrorCodes } from '../errors.js'
import type { Env } from './interpolate-env.js'

export const DEFAULT_CONFIG_PATH = 'config/bridge.yaml'
export const EXAMPLE_CONFIG_PATH = 'config/bridge.example.yaml'

/** Where the config came from: `--config`, `BRIDGE_CONFIG`, the default file, or the example fallback. */
export type ConfigSource = 'option' | 'env' | 'default' | 'example'

export interface ConfigLocation {
  /** Absolute path. */
  path: string
  source: ConfigSource
}

const copyHint = `copy ${EXAMPLE_CONFIG_PATH} to ${DEFAULT_CONFIG_PATH} and edit it`

/**
 * `--config`, else `BRIDGE_CONFIG`, else `config/bridge.yaml`; when that default file does not
 * exist the example is used, so `npm start` works on a fresh checkout (console output only).
 */
export function resolveConfigPath(options: { path?: string; env: Env; cwd: string }): ConfigLocation {
  if (options.path !== undefined && options.path !== '') {
    return { path: resolve(options.cwd, options.path), source: 'option' }
  }
  const fromEnv = options.env.BRIDGE_CONFIG
  if (fromEnv !== undefined && fromEnv !== '') return { path: resolve(options.cwd, fromEnv), source: 'env' }
  const main = resolve(options.cwd, DEFAULT_CONFIG_PATH)
  if (existsSync(main)) return { path: main, source: 'default' }
  const example = resolve(options.cwd, EXAMPLE_CONFIG_PATH)
  if (existsSync(example)) return { path: example, source: 'example' }
  return { path: main, source: 'default' }
}

/** A path as users want to read it: relative to the working directory when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

/** Read and parse a YAML (or `.json`) config file; the result is the raw, not yet validated document. */
export async function readConfigFile(path: string, cwd = process.cwd()): Promise<unknown> {
  const shown = displayPath(path, cwd)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const what = code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? 'error'})`
    throw new BridgeError(ErrorCodes.CONFIG_NOT_FOUND, `config file ${shown} ${what}: ${copyHint}`, {
      kind: 'config',
      cause: err,
    })
  }
  return parseConfigText(text, shown)
}

/** Parse config text; errors name `file:line:column`. `.json` is parsed as strict JSON. */
export function parseConfigText(text: string, shownPath: string): unknown {
  if (shownPath.toLowerCase().endsWith('.json')) return parseJson(text, shownPath)
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (document.errors.length > 0) {
    const lines = document.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0])
      return `${shownPath}:${line}:${col}: ${error.message}`
    })
    throw parseError(lines)
  }
  return document.toJS({ maxAliasCount: 100 })
}

function parseJson(text: string, shownPath: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const position = /at position (\d+)/.exec(message)?.[1]
    const where = position === undefined ? locateWithYaml(text) : lineCol(text, Number(position))
    throw parseError([`${shownPath}${where === undefined ? '' : `:${where}`}: ${message}`], err)
  }
}

/** V8 does not always say where JSON broke; JSON is YAML, so the YAML parser can usually tell. */
function locateWithYaml(text: string): string | undefined {
  const lineCounter = new LineCounter()
  const first = parseDocument(text, { lineCounter, prettyErrors: false }).errors[0]
  if (first === undefined) return undefined
  const { line, col } = lineCounter.linePos(first.pos[0])
  return `${line}:${col}`
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`
}

function parseError(lines: string[], cause?: unknown): BridgeError {
  return new BridgeError(ErrorCodes.CONFIG_PARSE, `config is not valid YAML/JSON:\n${lines.join('\n')}`, {
    kind: 'config',
    cause,
    details: lines,
  })
}
