import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { CachedCounts } from '../observability/cached-counts.js'
import type { NotReadyOutput } from '../plugins/start-outputs.js'
import type { Store } from '../store/store.js'

/** What the console reads and acts on. */
export interface ConsoleContext {
  store: Store
  portals: PortalDirectory
  /** Output ids and their types (`slack`, `./my-plugin.ts`…), in config order. */
  outputs: ReadonlyMap<string, string>
  counts: CachedCounts
  /** Writes the in-memory events-per-minute counts to the store (before a chart is drawn). */
  flushEvents: () => Promise<void>
  /** Replayed jobs are due now: tell the workers to look. */
  wake: () => void
  now: () => number
  /** Outputs whose start() has not succeeded (yet): the overview shows them as starting or failed. */
  notReadyOutputs?: () => readonly NotReadyOutput[]
}
