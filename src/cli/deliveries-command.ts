import type { DeliveryLogEntry, DeliveryStatus } from '../store/store.js'
import type { CliIo } from './bind-command.js'
import { loadCliConfig } from './load.js'
import { findPortal, openPortalContext } from './portal-context.js'

export interface DeliveriesOptions {
  config?: string
  limit?: number
  portal?: string
  status?: DeliveryStatus
}

const pausedDetail = /^(.*?) \(paused until (\S+); not counted as an attempt\)$/

/** Reads that wait for a Bitrix24 pause (OPERATION_TIME_LIMIT…), newest per portal, still running. */
function pausedLines(entries: readonly DeliveryLogEntry[], now: number): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const e of entries) {
    const match = pausedDetail.exec(e.detail ?? '')
    const until = match?.[2] === undefined ? Number.NaN : Date.parse(match[2])
    if (match === null || !(until > now) || seen.has(e.portal)) continue
    seen.add(e.portal)
    out.push(`  ${e.portal}: reads paused until ${match[2]} — ${match[1]}`)
  }
  return out.length === 0 ? [] : ['paused by Bitrix24 (jobs wait, no attempt spent):', ...out]
}

/**
 * `openline-bridge deliveries`: portals (and which need a re-install), queue sizes, the most recent
 * delivery log entries, dead letters. Reads the store; changes nothing.
 */
export async function deliveriesCommand(options: DeliveriesOptions, io: CliIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout
  const { config } = await loadCliConfig(options.config, io.env, io.cwd)
  const context = await openPortalContext(config, io)
  try {
    const { store, registry } = context
    // A domain or a member_id; one that matches no portal is an error listing the known ones.
    const only = options.portal === undefined ? undefined : findPortal(registry, options.portal)
    const lines: string[] = ['portals:']
    const portals = only === undefined ? registry.list() : [only]
    if (portals.length === 0)
      lines.push('  (none: install the app on a portal, or add one to bitrix.portals)')
    for (const p of portals) {
      const how = p.installed === true ? 'installed app' : 'configured by hand'
      if (p.status === 'needs-reinstall') {
        const reason = registry.credentials(p.id)?.statusReason ?? 'its tokens were rejected'
        lines.push(
          `  ${p.domain} (${p.id}) ${how}: NEEDS RE-INSTALL (${reason}) — reinstall the application on this portal; its messages wait and are mirrored after the install`,
        )
      } else lines.push(`  ${p.domain} (${p.id}) ${how}: ok`)
    }
    const [fetchStats, deliverStats] = await Promise.all([store.stats('fetch'), store.stats('deliver')])
    lines.push(
      `queues: fetch ${fetchStats.pending} waiting, ${fetchStats.leased} in progress, ${fetchStats.dead} dead; deliver ${deliverStats.pending} waiting, ${deliverStats.leased} in progress, ${deliverStats.dead} dead`,
    )
    const entries = await store.listDeliveries({
      limit: options.limit ?? 20,
      ...(only === undefined ? {} : { portal: only.id }),
      ...(options.status === undefined ? {} : { status: options.status }),
    })
    lines.push(...pausedLines(entries, Date.now()))
    lines.push(entries.length === 0 ? 'recent deliveries: none' : 'recent deliveries (newest first):')
    for (const e of entries) {
      const detail = e.detail === undefined ? '' : ` — ${e.detail}`
      lines.push(
        `  ${new Date(e.at).toISOString()} ${e.portal}:${e.messageId} → ${e.output} ${e.action} ${e.status} (attempt ${e.attempt})${e.unverified ? ' [unverified]' : ''}${detail}`,
      )
    }
    stdout.write(`${lines.join('\n')}\n`)
  } finally {
    await context.close()
  }
}
