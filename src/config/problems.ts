import type { ErrorCode } from '../errors.js'
import { didYouMean } from './suggest.js'

/** One thing wrong with a config document, pointed at by a path a user can find in the file. */
export interface ConfigProblem {
  /** `outputs["slack.support"].token`, `routes[1].to[0]`; empty for the document itself. */
  path: string
  message: string
  /** A more precise code than CONFIG_INVALID (a plugin that cannot be loaded: PLUGIN_LOAD). */
  code?: ErrorCode
}

export type PathSegment = string | number

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/

/**
 * Segments → the path users read in problems: keys dotted, indexes in brackets, and keys that
 * would be ambiguous dotted (output ids such as `slack.support`) bracketed and quoted.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = ''
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (plainKey.test(segment)) out += out === '' ? segment : `.${segment}`
    else out += `[${JSON.stringify(segment)}]`
  }
  return out
}

export function problemAt(segments: readonly PathSegment[], message: string): ConfigProblem {
  return { path: formatPath(segments), message }
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`
}

/** Problems for keys of `value` not in `known`, each with a spelling suggestion when one is close. */
export function unknownKeyProblems(
  value: Record<string, unknown>,
  known: readonly string[],
  segments: readonly PathSegment[],
): ConfigProblem[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => problemAt([...segments, key], `unknown option${didYouMean(key, known)}`))
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** YAML/JSON type names users know, for "must be a mapping, got a list" messages. */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `a ${typeof value}`
}
