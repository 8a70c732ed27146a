import v8 from 'node:v8'
import { BridgeError, ErrorCodes } from '../errors.js'

/** The environment variable that sets it; `0` keeps V8's own heap growth. */
export const heapGrowingEnv = 'OPENLINE_BRIDGE_HEAP_GROWING_PERCENT'

/**
 * Percent the V8 heap may grow past what survived the last full GC before the next one. V8's own
 * choice is up to 4× on a fast machine: while a backlog drains, the bridge's garbage then took the
 * heap from 26 MB live to 100 MB and the process to 205 MB. With 20 % the drain peaked at a 49 MB
 * heap and 159 MB RSS for the same CPU per edit (bench/PROFILE.md, profile pass 3).
 */
export const defaultHeapGrowingPercent = 20

/**
 * Applies the heap growth setting before the bridge allocates anything (the CLI calls it first).
 * V8 reads this flag at every full GC, so setting it at run time takes effect like the command-line
 * flag; a `--heap-growing-percent` given to node itself wins. Returns the percent applied, or
 * undefined when V8's own growth is kept.
 */
export function tuneHeap(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): number | undefined {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return undefined
  const raw = env[heapGrowingEnv]?.trim()
  const percent = raw === undefined || raw === '' ? defaultHeapGrowingPercent : Number(raw)
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000) {
    throw new BridgeError(
      ErrorCodes.CONFIG_INVALID,
      `${heapGrowingEnv} must be a whole number from 0 to 1000 (got "${raw}"): the percent the heap may grow between full garbage collections; 0 keeps V8's own growth`,
      { kind: 'config' },
    )
  }
  if (percent === 0) return undefined
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`)
  return percent
}
