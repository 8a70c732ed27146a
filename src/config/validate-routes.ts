import {
  type ConfigProblem,
  describeType,
  isPlainObject,
  type PathSegment,
  problemAt,
  unknownKeyProblems,
} from './problems.js'
import type { RouteConfig, RouteMatch } from './types.js'

const routeKeys = ['match', 'to']
const textKeys = ['portal', 'connector'] as const
const numberKeys = ['line', 'chat'] as const
const matchKeys = [...textKeys, ...numberKeys]

/**
 * Routes: every route whose match fits an event applies; match keys are AND-ed, the values of
 * one key OR-ed; a scalar is a one-item list. No routes at all = every output gets everything.
 */
export function validateRoutes(
  raw: unknown,
  outputIds: readonly string[],
  problems: ConfigProblem[],
): RouteConfig[] {
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    return outputIds.length === 0 ? [] : [{ match: {}, to: [...outputIds] }]
  }
  if (!Array.isArray(raw)) {
    problems.push(problemAt(['routes'], `must be a list of {match, to}, got ${describeType(raw)}`))
    return []
  }
  const routes: RouteConfig[] = []
  raw.forEach((item, index) => {
    const route = validateRoute(item, ['routes', index], outputIds, problems)
    if (route !== undefined) routes.push(route)
  })
  return routes
}

function validateRoute(
  item: unknown,
  at: PathSegment[],
  outputIds: readonly string[],
  problems: ConfigProblem[],
): RouteConfig | undefined {
  if (!isPlainObject(item)) {
    problems.push(problemAt(at, `must be a mapping {match, to}, got ${describeType(item)}`))
    return undefined
  }
  const before = problems.length
  problems.push(...unknownKeyProblems(item, routeKeys, at))
  const match = validateMatch(item.match, [...at, 'match'], problems)
  const to = validateTargets(item.to, [...at, 'to'], outputIds, problems)
  return problems.length === before && match !== undefined ? { match, to } : undefined
}

function validateMatch(raw: unknown, at: PathSegment[], problems: ConfigProblem[]): RouteMatch | undefined {
  if (raw === undefined || raw === null) return {}
  if (!isPlainObject(raw)) {
    problems.push(problemAt(at, `must be a mapping of ${matchKeys.join(', ')}, got ${describeType(raw)}`))
    return undefined
  }
  problems.push(...unknownKeyProblems(raw, matchKeys, at))
  const match: RouteMatch = {}
  for (const key of textKeys) {
    const values = toList(raw[key])
    if (values === undefined) continue
    if (values.length > 0 && values.every((v) => typeof v === 'string' && v !== ''))
      match[key] = values as string[]
    else problems.push(problemAt([...at, key], 'must be a string or a list of strings'))
  }
  for (const key of numberKeys) {
    const values = toList(raw[key])?.map(toNumber)
    if (values === undefined) continue
    if (values.length > 0 && values.every((v) => v !== undefined)) match[key] = values as number[]
    else problems.push(problemAt([...at, key], 'must be a number or a list of numbers'))
  }
  return match
}

function validateTargets(
  raw: unknown,
  at: PathSegment[],
  outputIds: readonly string[],
  problems: ConfigProblem[],
): string[] {
  const values = toList(raw)
  if (values === undefined || values.length === 0) {
    problems.push(problemAt(at, 'is required: the output id(s) this route delivers to'))
    return []
  }
  const to: string[] = []
  values.forEach((value, index) => {
    if (typeof value !== 'string') {
      problems.push(problemAt([...at, index], `must be an output id, got ${describeType(value)}`))
    } else if (!outputIds.includes(value)) {
      const known = outputIds.length === 0 ? 'no outputs are defined' : `known: ${outputIds.join(', ')}`
      problems.push(problemAt([...at, index], `unknown output "${value}" (${known})`))
    } else if (!to.includes(value)) to.push(value)
  })
  return to
}

function toList(value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return undefined
  return Array.isArray(value) ? value : [value]
}

/** Numbers, and whole-number strings (what `${LINE}` interpolation produces). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value)
  return undefined
}
