import type { ConsoleContext } from './context.js'

export interface PortalRow {
  id: string
  domain: string
  mode: 'webhook' | 'installed'
  status: 'active' | 'needs-reinstall'
  /** Why it needs attention (secret-free, from the store). */
  reason?: string
}

/** Portals served, with the stored reason for the installed ones that need a re-install. */
export async function readPortalRows(ctx: ConsoleContext): Promise<PortalRow[]> {
  const stored = new Map((await ctx.store.listPortals()).map((p) => [p.memberId, p.statusReason]))
  return ctx.portals.list().map((p) => {
    const row: PortalRow = {
      id: p.id,
      domain: p.domain,
      mode: p.installed === true ? 'installed' : 'webhook',
      status: p.status ?? 'active',
    }
    const reason = stored.get(p.id)
    if (reason !== undefined && row.status !== 'active') row.reason = reason
    return row
  })
}
