const secretKey = /token|secret|password|passwd|authorization|auth|cookie|webhookurl|apikey|api_key/i
/** Incoming-webhook URLs carry their secret in the path: `/rest/<user>/<code>/`. */
const webhookPath = /(\/rest\/\d+\/)[^/\s"]+/g

/**
 * A copy of a job payload safe to show: values under secret-sounding keys (user tokens, auth,
 * webhook URLs…) are replaced, and webhook codes inside any string are masked.
 */
export function redactPayload(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[too deep]'
  if (typeof value === 'string') return value.replace(webhookPath, '$1[redacted]')
  if (Array.isArray(value)) return value.map((v) => redactPayload(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      out[key] = secretKey.test(key) && v !== null && v !== '' ? '[redacted]' : redactPayload(v, depth + 1)
    }
    return out
  }
  return value
}
