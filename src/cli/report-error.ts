import { isBridgeError } from '../errors.js'

/**
 * Print a fatal error for a person, not a stack: config problems exit 2 (fix the file), anything
 * else exits 1. Stacks only with DEBUG set.
 */
export function reportFatal(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (isBridgeError(err)) {
    stderr.write(`openline-bridge: ${err.message}\n  (${err.code})\n`)
    if (process.env.DEBUG && err.stack) stderr.write(`${err.stack}\n`)
    return err.kind === 'config' ? 2 : 1
  }
  const message = err instanceof Error ? err.message : String(err)
  stderr.write(`openline-bridge: unexpected error: ${message}\n`)
  if (process.env.DEBUG && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`)
  return 1
}
