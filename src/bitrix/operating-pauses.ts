import type { Logger } from 'pino'
import type { BitrixError } from './errors.js'
import { allMethods, type OperatingLimits, readOperatingTime } from './operating-limits.js'

/** OVERLOAD_LIMIT is a manual block of the portal's whole REST API: long pause, and an alert. */
export const overloadPauseMs = 15 * 60_000
/** METHOD_CONFIRM_WAITING: the administrator has been asked; look again in a while. */
export const confirmPauseMs = 5 * 60_000

/** The methods a call runs: a `batch`'s commands (`cmd[key] = 'method?query'`), or the method itself. */
export function innerMethods(method: string, params: Record<string, unknown>): string[] {
  if (method !== 'batch') return [method]
  const cmd = params.cmd
  if (typeof cmd !== 'object' || cmd === null) return []
  return [...new Set(Object.values(cmd).map((line) => String(line).split('?')[0] ?? ''))]
}

function batchMethodOf(params: Record<string, unknown>, key: string): string | undefined {
  const cmd = params.cmd
  if (typeof cmd !== 'object' || cmd === null) return undefined
  const line = (cmd as Record<string, unknown>)[key]
  return line === undefined ? undefined : (String(line).split('?')[0] ?? undefined)
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}

/**
 * Reads `time` from a reply: a method's own figures, or, for `batch` (not counted itself), each
 * command's `result_time`; a command that answered OPERATION_TIME_LIMIT pauses its method.
 */
export function recordReplyTimes(
  limits: OperatingLimits,
  reply: Record<string, unknown>,
  method: string,
  params: Record<string, unknown>,
  now: number,
): void {
  if (method !== 'batch') {
    const time = readOperatingTime(reply.time)
    if (time !== undefined) limits.record(method, time)
    return
  }
  const result = asRecord(reply.result)
  for (const [key, value] of Object.entries(asRecord(result.result_time))) {
    const inner = batchMethodOf(params, key)
    const time = readOperatingTime(value)
    if (inner !== undefined && time !== undefined) limits.record(inner, time)
  }
  for (const [key, value] of Object.entries(asRecord(result.result_error))) {
    const inner = batchMethodOf(params, key)
    const code = String(asRecord(value).error ?? '').toUpperCase()
    if (inner === undefined) continue
    if (code === 'OPERATION_TIME_LIMIT') limits.block(inner, now, 'OPERATION_TIME_LIMIT')
    else if (code === 'METHOD_CONFIRM_WAITING')
      limits.block(inner, now, 'METHOD_CONFIRM_WAITING', confirmPauseMs)
  }
}

/** After a failed call: pause what Bitrix24 blocked and put the end of the pause on the error. */
export function pauseOn(
  limits: OperatingLimits,
  err: BitrixError,
  method: string,
  params: Record<string, unknown>,
  now: number,
  logger?: Logger,
): void {
  if (err.pausedUntil !== undefined) return
  const code = err.bitrixCode.toUpperCase()
  let until: number | undefined
  if (code === 'OPERATION_TIME_LIMIT') {
    for (const inner of innerMethods(method, params))
      until = Math.max(until ?? 0, limits.block(inner, now, code))
  } else if (code === 'OVERLOAD_LIMIT') {
    until = limits.block(allMethods, now, code, overloadPauseMs)
    logger?.error(
      { method, pausedUntil: new Date(until).toISOString(), err: err.message },
      'Bitrix24 blocked this portal by hand (OVERLOAD_LIMIT); every call paused; contact Bitrix24 support',
    )
  } else if (code === 'METHOD_CONFIRM_WAITING') {
    until = limits.block(method, now, code, confirmPauseMs)
  }
  if (until !== undefined) err.pausedUntil = until
}
