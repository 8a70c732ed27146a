import type { Logger } from 'pino'
import type { OutputConfig } from '../config/types.js'
import { BridgeError, ErrorCodes, errorMessage, isBridgeError } from '../errors.js'
import { isOutputError, type OutputPlugin } from './api.js'

interface StartFailure {
  output: string
  code: string | undefined
  message: string
  /** Credentials or settings are wrong, so retrying the boot will not help. */
  config: boolean
}

function failureOf(output: string, err: unknown): StartFailure {
  const config = isOutputError(err)
    ? err.reason === 'auth' || err.reason === 'invalid'
    : isBridgeError(err) && err.kind === 'config'
  return { output, code: isBridgeError(err) ? err.code : undefined, message: errorMessage(err), config }
}

/**
 * Run every output's `start()` (credential checks) in parallel. A failing `optional: true` output is
 * logged and returned; any other failure throws OUTPUT_START listing every failing output.
 * Returns the ids of optional outputs that failed to start.
 */
export async function startOutputs(
  outputs: ReadonlyMap<string, OutputPlugin>,
  outputsConfig: Record<string, OutputConfig>,
  logger: Logger,
): Promise<string[]> {
  const ids = [...outputs.keys()]
  const results = await Promise.allSettled(ids.map((id) => outputs.get(id)!.start?.()))
  const fatal: StartFailure[] = []
  const skipped: string[] = []
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') return
    const id = ids[index]!
    const failure = failureOf(id, result.reason)
    if (outputsConfig[id]?.optional) {
      skipped.push(id)
      logger.warn(
        { output: id, code: failure.code, err: result.reason },
        `optional output ${id} failed to start`,
      )
    } else {
      fatal.push(failure)
    }
  })
  if (fatal.length === 0) return skipped
  const list = fatal.map((f) => `outputs.${f.output}: ${f.message}`).join('; ')
  throw new BridgeError(
    ErrorCodes.OUTPUT_START,
    `${fatal.length} output(s) failed to start: ${list}; fix them or mark them optional: true`,
    { kind: fatal.every((f) => f.config) ? 'config' : 'operational', details: fatal },
  )
}
