import { BridgeError, ErrorCodes } from '../errors.js'
import { encodeForm } from './encode-form.js'
import { type BitrixError, bitrixBadReply, bitrixErrorFrom } from './errors.js'

/** Bitrix24 runs at most 50 commands per `batch` (https://apidocs.bitrix24.com/api-reference/how-to-call-rest-api/batch.html). */
export const maxBatchCommands = 50

export interface BatchCommand {
  /** Letters, digits, `_`: the key the reply uses for this command. */
  key: string
  method: string
  params: Record<string, unknown>
}

export type BatchItem = { ok: true; result: unknown } | { ok: false; error: BitrixError }

const keyPattern = /^[A-Za-z0-9_]+$/

/** `{halt: 0, cmd: {key: 'method?urlencoded-params'}}`: one failing command does not stop the others. */
export function buildBatchParams(commands: readonly BatchCommand[]): Record<string, unknown> {
  if (commands.length === 0 || commands.length > maxBatchCommands) {
    throw new BridgeError(
      ErrorCodes.INTERNAL,
      `a batch needs 1..${maxBatchCommands} commands, got ${commands.length}; split before calling`,
      { kind: 'bug' },
    )
  }
  const cmd: Record<string, string> = {}
  for (const command of commands) {
    if (!keyPattern.test(command.key) || command.key in cmd) {
      throw new BridgeError(ErrorCodes.INTERNAL, `batch key "${command.key}" is invalid or repeated`, {
        kind: 'bug',
      })
    }
    const query = encodeForm(command.params)
    cmd[command.key] = query === '' ? command.method : `${command.method}?${query}`
  }
  return { halt: 0, cmd }
}

// PHP's json_encode turns an empty array into `[]` and a keyed one into `{}`: accept both.
function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null) return value as Record<string, unknown>
  return {}
}

/**
 * Splits a batch `result` into one outcome per command. The batch itself answers HTTP 200 even
 * when commands failed; each failure sits in `result_error[key]` as `{error, error_description}`.
 */
export function parseBatchResult(
  result: unknown,
  commands: readonly BatchCommand[],
  portal: string,
  pausedUntilOf?: (method: string) => number | undefined,
): Map<string, BatchItem> {
  const outer = asRecord(result)
  const results = asRecord(outer.result)
  const errors = asRecord(outer.result_error)
  const items = new Map<string, BatchItem>()
  for (const { key, method } of commands) {
    if (errors[key] !== undefined) {
      // A command Bitrix24 paused (OPERATION_TIME_LIMIT…) carries the end of the pause.
      const pausedUntil = pausedUntilOf?.(method)
      const context = pausedUntil === undefined ? { portal, method } : { portal, method, pausedUntil }
      items.set(key, { ok: false, error: bitrixErrorFrom(undefined, errors[key], context) })
    } else if (results[key] !== undefined) {
      items.set(key, { ok: true, result: results[key] })
    } else {
      const error = bitrixBadReply(portal, `batch command ${method}`, `no result for key ${key}`)
      items.set(key, { ok: false, error })
    }
  }
  return items
}

/** Runs ≤ 50 commands as ONE request. Throws BitrixError when the batch request itself fails. */
export async function runBatch(
  call: (method: string, params: Record<string, unknown>) => Promise<unknown>,
  commands: readonly BatchCommand[],
  portal: string,
  pausedUntilOf?: (method: string) => number | undefined,
): Promise<Map<string, BatchItem>> {
  const result = await call('batch', buildBatchParams(commands))
  return parseBatchResult(result, commands, portal, pausedUntilOf)
}
