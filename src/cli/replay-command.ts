import { loadPortalRegistry } from '../bitrix/portal-registry.js'
import { openStore } from '../store/index.js'
import type { DeadJob, QueueName } from '../store/store.js'
import type { CliIo } from './bind-command.js'
import { loadCliConfig } from './load.js'
import { findPortal } from './portal-context.js'

export interface ReplayOptions {
  config?: string
  queue?: QueueName
  output?: string
  portal?: string
  /** Only dead letters whose reason contains this text. */
  reason?: string
  dryRun?: boolean
}

const CHUNK = 100

function portalOf(job: DeadJob): string | undefined {
  const p = job.payload as { portal?: unknown } | null
  return typeof p?.portal === 'string' ? p.portal : undefined
}

/**
 * `openline-bridge replay`: move dead letters back to their queue (attempts reset), so a running
 * bridge — or the next start — tries them again. Filters narrow what is replayed; `--dry-run` only
 * lists. Progress is printed per chunk: a replay of thousands of jobs shows it is moving.
 */
export async function replayCommand(options: ReplayOptions, io: CliIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout
  const { config } = await loadCliConfig(options.config, io.env, io.cwd)
  const store = openStore(config.storage, io.cwd === undefined ? {} : { cwd: io.cwd })
  try {
    // A domain or a member_id; one that matches no portal is an error listing the known ones.
    const portal =
      options.portal === undefined
        ? undefined
        : findPortal(await loadPortalRegistry(config.bitrix.portals, store), options.portal).id
    const dead = await store.listDead(options.queue, Number.MAX_SAFE_INTEGER)
    const chosen = dead.filter(
      (job) =>
        (options.output === undefined || (job.queue === 'deliver' && job.group === options.output)) &&
        (portal === undefined || portalOf(job) === portal) &&
        (options.reason === undefined || job.reason.includes(options.reason)),
    )
    stdout.write(`dead letters: ${dead.length}; matching: ${chosen.length}\n`)
    for (const job of chosen.slice(0, 20)) {
      stdout.write(`  ${job.queue} ${job.key} (${job.attempts} attempts): ${job.reason}\n`)
    }
    if (chosen.length > 20) stdout.write(`  … and ${chosen.length - 20} more\n`)
    if (options.dryRun || chosen.length === 0) return
    let moved = 0
    for (let i = 0; i < chosen.length; i += CHUNK) {
      moved += await store.replayDead(chosen.slice(i, i + CHUNK).map((job) => job.id))
      stdout.write(`replayed ${moved}/${chosen.length}\n`)
    }
    stdout.write(
      `done: ${moved} job(s) are queued again; a running bridge picks them up within its poll interval\n`,
    )
  } finally {
    await store.close()
  }
}
