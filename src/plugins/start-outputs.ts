import type { Logger } from 'pino'
import { formatPath } from '../config/problems.js'
import type { OutputConfig, PipelineConfig } from '../config/types.js'
import { BridgeError, ErrorCodes, errorMessage, isBridgeError } from '../errors.js'
import { backoffDelay } from '../pipeline/retry-policy.js'
import { isOutputError, type OutputPlugin } from './api.js'

interface StartFailure {
  output: string
  code: string | undefined
  message: string
  /** Credentials or settings are wrong, so retrying the boot will not help. */
  config: boolean
}

/** An output whose `start()` has not succeeded: its deliveries wait until it has. */
export interface NotReadyOutput {
  output: string
  /** `starting`: a temporary failure, start() is retried; `failed`: refused for good after boot. */
  status: 'starting' | 'failed'
  error: string
  /** start() calls made so far. */
  attempts: number
  /** When start() is tried next (ms since epoch); none once `failed`. */
  nextAttemptAt?: number
  action: string
}

export interface OutputReadiness {
  /** Optional outputs that refused at boot (logged; deliveries to them are attempted as usual). */
  skipped: string[]
  /** Outputs whose deliveries must not be claimed yet. */
  waiting(): readonly string[]
  notReady(): NotReadyOutput[]
  /** Stop retrying (the app is closing). */
  stop(): void
}

export interface StartOptions {
  /** Backoff between start() attempts (the pipeline's retry settings). */
  backoff?: Pick<PipelineConfig, 'backoffBaseMs' | 'backoffMaxMs'>
  /** An output came up after waiting: its deliveries may go now. */
  onReady?: (output: string) => void
  now?: () => number
}

/**
 * A definite refusal (bad token, unknown chat, invalid settings) that another try will not change;
 * anything else (DNS, refused connection, 5xx, timeout, rate limit) is temporary.
 */
function isDefinite(err: unknown): boolean {
  return isOutputError(err)
    ? err.reason === 'auth' || err.reason === 'invalid'
    : isBridgeError(err) && err.kind === 'config'
}

function failureOf(output: string, err: unknown): StartFailure {
  return {
    output,
    code: isBridgeError(err) ? err.code : undefined,
    message: errorMessage(err),
    config: isDefinite(err),
  }
}

const defaultBackoff = { backoffBaseMs: 1000, backoffMaxMs: 60_000 }

/**
 * Run every output's `start()` (credential checks) in parallel.
 * - A definite refusal of a required output throws OUTPUT_START listing each one (the bridge does
 *   not start); of an optional output it is logged and the output skipped.
 * - A temporary failure does not stop the boot (Bitrix24 never resends what a stopped bridge
 *   missed): the output is `starting`, its deliveries wait, and start() is retried with backoff
 *   until it succeeds (then `onReady`) or definitely refuses (then `failed`, still waiting).
 */
export async function startOutputs(
  outputs: ReadonlyMap<string, OutputPlugin>,
  outputsConfig: Record<string, OutputConfig>,
  logger: Logger,
  options: StartOptions = {},
): Promise<OutputReadiness> {
  const now = options.now ?? Date.now
  const backoff = options.backoff ?? defaultBackoff
  const ids = [...outputs.keys()]
  const results = await Promise.allSettled(ids.map((id) => outputs.get(id)!.start?.()))
  const fatal: StartFailure[] = []
  const skipped: string[] = []
  const pending: [string, unknown][] = []
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') return
    const id = ids[index]!
    const failure = failureOf(id, result.reason)
    if (!failure.config) pending.push([id, result.reason])
    else if (outputsConfig[id]?.optional) {
      skipped.push(id)
      // One line, no stack: an optional output that is down is expected, not a defect.
      logger.warn(
        { output: id, code: failure.code },
        `optional output ${id} failed to start (${failure.message}); the bridge runs without it`,
      )
    } else fatal.push(failure)
  })
  if (fatal.length > 0) {
    const list = fatal.map((f) => `${formatPath(['outputs', f.output])}: ${f.message}`).join('; ')
    throw new BridgeError(
      ErrorCodes.OUTPUT_START,
      `${fatal.length} output(s) refused to start: ${list}; fix them or mark them optional: true`,
      { kind: 'config', details: fatal },
    )
  }

  const notReady = new Map<string, NotReadyOutput>()
  const timers = new Map<string, NodeJS.Timeout>()
  let stopped = false

  const schedule = (id: string, err: unknown, attempts: number): void => {
    const delay = backoffDelay(attempts, backoff)
    notReady.set(id, {
      output: id,
      status: 'starting',
      error: errorMessage(err),
      attempts,
      nextAttemptAt: now() + delay,
      action: 'its deliveries wait; start() is retried until the output answers',
    })
    logger.warn(
      { output: id, attempts, retryInMs: delay, err: errorMessage(err) },
      `output ${id} is not ready (start failed: ${errorMessage(err)}); its deliveries wait, retrying in ${Math.round(delay / 1000)} s`,
    )
    const timer = setTimeout(() => void retry(id, attempts + 1), delay)
    timer.unref()
    timers.set(id, timer)
  }

  const retry = async (id: string, attempt: number): Promise<void> => {
    timers.delete(id)
    if (stopped) return
    try {
      await outputs.get(id)!.start?.()
    } catch (err) {
      if (stopped) return
      if (!isDefinite(err)) return schedule(id, err, attempt)
      notReady.set(id, {
        output: id,
        status: 'failed',
        error: errorMessage(err),
        attempts: attempt,
        action: `fix ${formatPath(['outputs', id])} and restart the bridge; its deliveries wait until then`,
      })
      logger.error(
        { output: id, attempts: attempt, err: errorMessage(err) },
        `output ${id} refused to start: ${errorMessage(err)}; its deliveries wait until it is fixed and the bridge restarted`,
      )
      return
    }
    if (stopped) return
    notReady.delete(id)
    logger.info({ output: id, attempts: attempt }, `output ${id} is ready; its waiting deliveries go out now`)
    options.onReady?.(id)
  }

  for (const [id, err] of pending) schedule(id, err, 1)
  return {
    skipped,
    waiting: () => [...notReady.keys()],
    notReady: () => [...notReady.values()].map((entry) => ({ ...entry })),
    stop() {
      stopped = true
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
    },
  }
}
