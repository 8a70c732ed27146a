import type { DeadJob } from '../store/store.js'

/** What a dead job is about, read from its payload (fetch and deliver payloads differ). */
export interface DeadJobInfo {
  portal: string
  messageId?: number
  /** Output id for deliver jobs, `-` for reads. */
  output: string
}

export function describeDeadJob(job: DeadJob): DeadJobInfo {
  const p = (job.payload ?? {}) as {
    portal?: unknown
    output?: unknown
    event?: { messageId?: unknown }
    message?: { messageId?: unknown }
  }
  const messageId = p.message?.messageId ?? p.event?.messageId
  const info: DeadJobInfo = {
    portal: typeof p.portal === 'string' ? p.portal : job.group,
    output: job.queue === 'deliver' ? (typeof p.output === 'string' ? p.output : job.group) : '-',
  }
  if (typeof messageId === 'number') info.messageId = messageId
  return info
}

export interface DeadFilters {
  queue?: string
  output?: string
  portal?: string
  reason?: string
}

export function matches(job: DeadJob, info: DeadJobInfo, f: DeadFilters): boolean {
  if (f.queue && job.queue !== f.queue) return false
  if (f.output && info.output !== f.output) return false
  if (f.portal && info.portal !== f.portal) return false
  if (f.reason && !job.reason.toLowerCase().includes(f.reason.toLowerCase())) return false
  return true
}
