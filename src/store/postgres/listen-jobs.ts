import type pg from 'pg'
import type { Logger } from 'pino'
import { errorMessage } from '../../errors.js'
import type { QueueName } from '../store.js'

/**
 * The channel a commit that adds jobs announces itself on (payload: `<queue>:<earliest run time>:
 * <instance id>`), and a change of an installed portal (payload: `portal:<member_id>`), so other
 * instances re-read it.
 */
export const JOBS_CHANNEL = 'openline_bridge_jobs'

export interface JobsListener {
  close(): Promise<void>
}

/**
 * LISTENs on a dedicated connection and calls `onJobs(queue)` when any instance commits new jobs,
 * so idle workers wake at once instead of at their next poll, and `onPortal(memberId)` when an
 * installed portal changed (install, token refresh, uninstall). If the connection drops it is
 * re-opened with a growing pause; meanwhile the workers' own polling keeps everything moving.
 */
/** Queue → earliest run time (ms) of the jobs one commit made claimable. */
export type CommittedQueues = Map<QueueName, number>

export interface StoreEvents {
  /** Jobs were committed by any instance: `own` when by this one (already reported locally). */
  onJobs?: (queue: QueueName, runAt: number, own: boolean) => void
  /** Another instance (or this one) saved or removed an installed portal. */
  onPortal?: (memberId: string) => void
}

export function listenForJobs(
  connect: () => pg.Client,
  events: StoreEvents,
  instanceId: string,
  logger: Logger,
): JobsListener {
  let client: pg.Client | undefined
  let closed = false
  let pause = 500
  let timer: NodeJS.Timeout | undefined

  const open = async () => {
    if (closed) return
    const next = connect()
    next.on('notification', (message) => {
      if (message.channel !== JOBS_CHANNEL) return
      const payload = message.payload ?? ''
      const [queue = '', runAt = '', from = ''] = payload.split(':')
      if (queue === 'fetch' || queue === 'deliver') {
        events.onJobs?.(queue, Number(runAt) || 0, from === instanceId)
      } else if (payload.startsWith('portal:')) events.onPortal?.(payload.slice('portal:'.length))
    })
    next.on('error', (err) => {
      logger.warn({ err: errorMessage(err) }, 'LISTEN connection lost; polling until it is back')
      void next.end().catch(() => {})
      if (client === next) client = undefined
      schedule()
    })
    try {
      await next.connect()
      await next.query(`LISTEN ${JOBS_CHANNEL}`)
      if (closed) {
        await next.end()
        return
      }
      client = next
      pause = 500
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'cannot LISTEN for new jobs; polling until it works')
      void next.end().catch(() => {})
      schedule()
    }
  }
  const schedule = () => {
    if (closed || timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      void open()
    }, pause)
    timer.unref()
    pause = Math.min(pause * 2, 30_000)
  }
  void open()

  return {
    async close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      const current = client
      client = undefined
      await current?.end().catch(() => {})
    },
  }
}

/** Inside a transaction: announce on commit (NOTIFY is delivered only if the transaction commits). */
export async function announcePortal(db: Pick<pg.ClientBase, 'query'>, memberId: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, `portal:${memberId}`])
}

export async function announceJobs(
  db: Pick<pg.ClientBase, 'query'>,
  work: CommittedQueues,
  instanceId: string,
): Promise<void> {
  if (work.size === 0) return
  const payloads = [...work].map(([queue, runAt]) => `${queue}:${Math.trunc(runAt)}:${instanceId}`)
  await db.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [JOBS_CHANNEL, payloads])
}
