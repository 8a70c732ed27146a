import type { Logger } from 'pino'
import { formatPath } from '../config/problems.js'
import type { OutputConfig } from '../config/types.js'
import { BridgeError, ErrorCodes, errorMessage, isBridgeError } from '../errors.js'
import { capFetch } from '../http/cap-fetch.js'
import { defaultMaxReplyBytes } from '../http/read-capped-reply.js'
import type { OutputPlugin, OutputPolicy, OutputState } from './api.js'
import { resolvePlugin } from './resolve-plugin.js'
import { validateOptions } from './validate-options.js'

export interface OutputDeps {
  /** Directory that relative plugin paths and package names resolve from. */
  cwd: string
  logger: Logger
  /** Plugins get it wrapped: every reply body is read through the `maxReplyBytes` cap. */
  fetch: typeof fetch
  policy: OutputPolicy
  /** Each output's durable state (from the store); left out, plugins keep state in memory. */
  state?: (output: string) => OutputState
  /** Largest reply body a plugin may read through `context.fetch` (default 16 MiB). */
  maxReplyBytes?: number
}

/** Prefix a load or create error with the output it belongs to, keeping its code. */
function forOutput(id: string, err: unknown): BridgeError {
  if (!isBridgeError(err)) {
    // A plain throw from a plugin's create() is usually an option it could not use.
    return new BridgeError(
      ErrorCodes.CONFIG_INVALID,
      `${formatPath(['outputs', id])}: ${errorMessage(err)}`,
      {
        kind: 'config',
        cause: err,
      },
    )
  }
  if (err.message.startsWith('outputs.') || err.message.startsWith('outputs[')) return err
  return new BridgeError(err.code, `${formatPath(['outputs', id])}: ${err.message}`, {
    kind: err.kind,
    cause: err,
    details: err.details,
  })
}

/**
 * One plugin instance per configured output, in config order. Options are validated against each
 * plugin's schema (defaults filled in) before `create` sees them.
 */
export async function createOutputs(
  outputs: Record<string, OutputConfig>,
  deps: OutputDeps,
): Promise<Map<string, OutputPlugin>> {
  const entries = Object.entries(outputs)
  const definitions = await Promise.all(
    entries.map(([id, output]) =>
      resolvePlugin(output.type, deps.cwd).catch((err) => Promise.reject(forOutput(id, err))),
    ),
  )
  const created = new Map<string, OutputPlugin>()
  entries.forEach(([id, output], index) => {
    const definition = definitions[index]!
    const options = validateOptions(definition, id, output.options)
    const logger = deps.logger.child({ component: 'output', output: id })
    try {
      // Whatever a target sends back, a plugin reads at most maxReplyBytes of it (BRG_ERR_REPLY_TOO_LARGE).
      const fetch = capFetch(deps.fetch, deps.maxReplyBytes ?? defaultMaxReplyBytes, `output ${id}`)
      const context = { id, logger, fetch, policy: deps.policy }
      const state = deps.state?.(id)
      created.set(id, definition.create(options, state === undefined ? context : { ...context, state }))
    } catch (err) {
      throw forOutput(id, err)
    }
  })
  return created
}
