import type { Logger } from 'pino'
import { silentLogger } from '../../src/observability/logger.js'
import {
  isOutputError,
  type OutputError,
  type OutputPlugin,
  type OutputState,
  type PluginDefinition,
} from '../../src/plugins/api.js'
import { validateOptions } from '../../src/plugins/registry.js'

/** A plugin instance built the way createOutputs builds it: options through its schema (defaults applied). */
export function createPlugin<O>(
  definition: PluginDefinition<O>,
  id: string,
  options: Record<string, unknown>,
  host: { logger?: Logger; state?: OutputState } = {},
): OutputPlugin {
  const validated = validateOptions(definition, id, options)
  return definition.create(validated, {
    id,
    logger: host.logger ?? silentLogger(),
    fetch: globalThis.fetch,
    policy: { editMarker: '(edited)' },
    ...(host.state === undefined ? {} : { state: host.state }),
  })
}

/** The OutputError a call rejects with (fails the test when it resolves or throws something else). */
export async function outputFailure(promise: Promise<unknown>): Promise<OutputError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isOutputError(err)) throw new Error(`expected an OutputError, got ${String(err)}`)
  return err
}
