import { type ConfigProblem, type PathSegment, problemAt } from './problems.js'

export type Env = Readonly<Record<string, string | undefined>>

export interface InterpolationResult {
  value: unknown
  problems: ConfigProblem[]
}

const reference = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/

/**
 * Replace `${VAR}` and `${VAR:-default}` in every string value of a parsed document. Done on
 * values, not on the raw text, so a secret containing `"`, `:` or a newline cannot break the YAML.
 * `$${VAR}` is a literal `${VAR}`. The default applies when VAR is unset or empty (as in sh).
 * Keys are never interpolated. Returns a new document; the input is not modified.
 */
export function interpolateEnv(document: unknown, env: Env): InterpolationResult {
  const problems: ConfigProblem[] = []
  const value = walk(document, [], env, problems)
  return { value, problems }
}

function walk(value: unknown, segments: PathSegment[], env: Env, problems: ConfigProblem[]): unknown {
  if (typeof value === 'string') return interpolateString(value, segments, env, problems)
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...segments, i], env, problems))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...segments, key], env, problems)
    return out
  }
  return value
}

export function interpolateString(
  text: string,
  segments: readonly PathSegment[],
  env: Env,
  problems: ConfigProblem[],
): string {
  let out = ''
  let rest = text
  for (;;) {
    const start = rest.indexOf('${')
    if (start === -1) return out + rest
    if (start > 0 && rest[start - 1] === '$') {
      // `$${` is the escape: keep one `$`, and the `${` that follows stays literal.
      out += `${rest.slice(0, start - 1)}\${`
      rest = rest.slice(start + 2)
      continue
    }
    const end = rest.indexOf('}', start)
    if (end === -1) {
      problems.push(
        problemAt(segments, `unterminated "\${": close it with "}" or write "$\${" for a literal "\${"`),
      )
      return out + rest
    }
    const inner = rest.slice(start + 2, end)
    out += rest.slice(0, start) + resolve(inner, segments, env, problems)
    rest = rest.slice(end + 1)
  }
}

function resolve(inner: string, segments: readonly PathSegment[], env: Env, problems: ConfigProblem[]) {
  const match = reference.exec(inner)
  if (match === null) {
    problems.push(problemAt(segments, `invalid reference "\${${inner}}": use \${NAME} or \${NAME:-default}`))
    return `\${${inner}}`
  }
  const [, name = '', fallback] = match
  const value = env[name]
  if (fallback !== undefined) return value === undefined || value === '' ? fallback : value
  if (value === undefined) {
    problems.push(problemAt(segments, `environment variable ${name} is not set`))
    // Keep the reference text: '' would cause a second, misleading problem at this path.
    return `\${${inner}}`
  }
  return value
}
