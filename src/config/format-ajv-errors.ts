import type { ErrorObject } from 'ajv'
import { type ConfigProblem, isPlainObject, type PathSegment, problemAt } from './problems.js'
import { didYouMean } from './suggest.js'

/**
 * ajv errors → problems with paths users can find in the file: `/smtp/port` under output
 * `email.audit` becomes `outputs["email.audit"].smtp.port`. Needs ajv's `verbose` (parentSchema).
 */
export function ajvProblems(
  errors: readonly ErrorObject[],
  data: unknown,
  base: readonly PathSegment[],
): ConfigProblem[] {
  const seen = new Set<string>()
  const problems: ConfigProblem[] = []
  for (const error of errors) {
    const segments = [...base, ...pointerSegments(error.instancePath, data)]
    const { extra, message } = describe(error)
    const got = extra === undefined ? ` (got ${shown(segments.at(-1), error.data)})` : ''
    const problem = problemAt(extra === undefined ? segments : [...segments, extra], message + got)
    const key = `${problem.path}\n${problem.message}`
    if (!seen.has(key)) {
      seen.add(key)
      problems.push(problem)
    }
  }
  return problems
}

// Values of these keys may be credentials (a webhook URL's path often is one): never echo them.
const secretKey = /token|secret|password|passwd|key|auth|url|dsn/i

/** The offending value for the message: short, and only its length when the key may hold a secret. */
function shown(key: PathSegment | undefined, value: unknown): string {
  if (typeof value === 'string' && typeof key === 'string' && secretKey.test(key)) {
    return `a string of ${value.length} characters, not shown`
  }
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

function describe(error: ErrorObject): { extra?: string; message: string } {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return { extra: String(params.missingProperty), message: 'is required' }
    case 'additionalProperties': {
      const name = String(params.additionalProperty)
      const properties = error.parentSchema?.properties
      const known = isPlainObject(properties) ? Object.keys(properties) : []
      return { extra: name, message: `unknown option${didYouMean(name, known)}` }
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : []
      return { message: `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` }
    }
    default:
      return { message: error.message ?? `fails "${error.keyword}"` }
  }
}

/** JSON pointer → segments; a segment is an index only where the data at that point is a list. */
function pointerSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return []
  const segments: PathSegment[] = []
  let current: unknown = data
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(current)) {
      segments.push(Number(key))
      current = current[Number(key)]
    } else {
      segments.push(key)
      current = isPlainObject(current) ? current[key] : undefined
    }
  }
  return segments
}
