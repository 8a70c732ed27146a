import type { Logger } from 'pino'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { BitrixClient } from '../bitrix/types.js'
import type { PipelineConfig, PolicyConfig, RouteConfig } from '../config/types.js'
import type { OutputPlugin } from '../plugins/api.js'
import type { Store } from '../store/store.js'
import { createDeliverWorker } from './deliver-worker.js'
import { createFetchWorker } from './fetch-worker.js'
import { createWorkerLoop } from './worker-loop.js'

export interface PipelineDeps {
  store: Store
  bitrix: BitrixClient
  portals: PortalDirectory
  outputs: ReadonlyMap<string, OutputPlugin>
  routes: readonly RouteConfig[]
  pipeline: PipelineConfig
  policy: PolicyConfig
  logger: Logger
  now?: () => number
  /** Outputs whose deliveries must wait (not started yet). */
  waitingOutputs?: () => readonly string[]
}

export interface Pipeline {
  start(): void
  /** New jobs were stored: look now instead of at the next poll. */
  wake(): void
  /** Run both stages until nothing is due and nothing is in flight (tests, CLI one-shots). */
  drain(): Promise<void>
  stop(): Promise<void>
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const now = deps.now ?? Date.now
  let deliverLoopWake = () => {}
  let fetchLoopWake = () => {}
  const deliver = createDeliverWorker({
    store: deps.store,
    outputs: deps.outputs,
    config: deps.pipeline,
    policy: deps.policy,
    logger: deps.logger,
    now,
    onSettled: () => deliverLoopWake(),
    ...(deps.waitingOutputs === undefined ? {} : { waitingOutputs: deps.waitingOutputs }),
  })
  const fetch = createFetchWorker({
    store: deps.store,
    bitrix: deps.bitrix,
    portals: deps.portals,
    routes: deps.routes,
    config: deps.pipeline,
    logger: deps.logger,
    now,
    onDeliverQueued: () => deliverLoopWake(),
    onSettled: () => fetchLoopWake(),
  })
  const interval = deps.pipeline.pollIntervalMs
  // The loop claims a portal's jobs when its rate bucket can send (a request then carries every
  // edit due by then); `drain` below reads at once.
  const waitForBucket = { wakeAt: (at: number) => fetchLoop.wakeAt(at) }
  const fetchLoop = createWorkerLoop('fetch', () => fetch.tick({ waitForBucket }), interval, deps.logger, now)
  const deliverLoop = createWorkerLoop('deliver', deliver.tick, interval, deps.logger, now)
  deliverLoopWake = () => deliverLoop.wake()
  fetchLoopWake = () => fetchLoop.wake()
  let unsubscribe: (() => void) | undefined

  return {
    start() {
      // Each stage sleeps until the store commits work for it: a deliver job is claimed the moment
      // its fetch completes, a fetch job the moment its coalescing window ends. Polling remains
      // only as the safety net (work committed by another process, an expired lease).
      unsubscribe ??= deps.store.onCommitted(({ queue, runAt }) =>
        (queue === 'fetch' ? fetchLoop : deliverLoop).wakeAt(runAt),
      )
      fetchLoop.start()
      deliverLoop.start()
    },
    wake() {
      fetchLoop.wake()
      deliverLoop.wake()
    },
    async drain() {
      for (;;) {
        const tickedAt = now()
        const fetched = await fetch.tick()
        await fetch.idle()
        const delivered = await deliver.tick()
        await deliver.idle()
        if (fetched === 0 && delivered === 0) {
          // Deliveries put back to keep a chat in order come due within `orderWaitMs`: wait for them.
          // Done only when the last of them was due before this round's claims began (a job that
          // came due while the round ran was not seen by its claim).
          const until = deliver.deferredUntil()
          if (until < tickedAt) return
          const wait = Math.max(0, until - now())
          await new Promise((resolve) => setTimeout(resolve, Math.min(wait, deps.pipeline.pollIntervalMs)))
        }
      }
    },
    async stop() {
      unsubscribe?.()
      unsubscribe = undefined
      await Promise.all([fetchLoop.stop(), deliverLoop.stop()])
      await fetch.idle()
      await deliver.idle()
    },
  }
}
