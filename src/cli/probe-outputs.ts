import type { BridgeConfig } from '../config/types.js'
import { errorMessage } from '../errors.js'
import { silentLogger } from '../observability/logger.js'
import { createOutputs } from '../plugins/registry.js'

export interface ProbeResult {
  output: string
  type: string
  optional: boolean
  ok: boolean
  /** What `start()` said when it failed, or `no check` for outputs without one. */
  detail: string
}

/**
 * Run each output's own credential check (`start()`: Slack auth.test, Telegram getMe, SMTP verify…)
 * once, in parallel, each bounded by `timeoutMs`, and stop them again.
 */
export async function probeOutputs(
  config: BridgeConfig,
  options: { cwd: string; fetch?: typeof fetch; timeoutMs?: number },
): Promise<ProbeResult[]> {
  const timeoutMs = options.timeoutMs ?? 15_000
  const outputs = await createOutputs(config.outputs, {
    cwd: options.cwd,
    logger: silentLogger(),
    fetch: options.fetch ?? globalThis.fetch,
    policy: config.policy,
    maxReplyBytes: config.pipeline.maxReplyBytes,
  })
  const results = await Promise.all(
    [...outputs].map(async ([id, plugin]): Promise<ProbeResult> => {
      const base = {
        output: id,
        type: config.outputs[id]?.type ?? '?',
        optional: config.outputs[id]?.optional ?? false,
      }
      if (!plugin.start) return { ...base, ok: true, detail: 'no check' }
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          plugin.start(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
          }),
        ])
        return { ...base, ok: true, detail: 'ok' }
      } catch (err) {
        return { ...base, ok: false, detail: errorMessage(err) }
      } finally {
        clearTimeout(timer)
      }
    }),
  )
  await Promise.allSettled([...outputs.values()].map((o) => o.stop?.()))
  return results
}
