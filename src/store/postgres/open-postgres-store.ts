import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { Logger } from 'pino'
import { errorMessage } from '../../errors.js'
import { silentLogger } from '../../observability/logger.js'
import type { Coordination } from '../coordination.js'
import { createSecretBox } from '../secret-box.js'
import { prepareJobs } from '../sqlite/enqueue-jobs.js'
import type { CoalesceFn, QueueName, Store } from '../store.js'
import { type ClaimRotation, claimJobs } from './claim-jobs.js'
import { createClient, createPool, inTransaction, redactUrl } from './connection.js'
import { activity, countEvents, discardDead, jobStates, oldestPending } from './console-queries.js'
import {
  getChat,
  getConversation,
  hasEarlierAdd,
  type PgChatPosition,
  type PgChatRecord,
  type PgConversationRecord,
  saveChat,
  saveConversation,
} from './conversations.js'
import { listDead, queueStats, replayDead } from './dead-letters.js'
import { appendDelivery, listDeliveries, trimHistory } from './delivery-log.js'
import { PgGroupCommit } from './group-commit.js'
import { buryJob, extendJobLease, removeJob, retryJob } from './job-lifecycle.js'
import {
  announcePortal,
  type CommittedQueues,
  type JobsListener,
  listenForJobs,
  type StoreEvents,
} from './listen-jobs.js'
import { tryAdvisoryLock, withAdvisoryLock } from './locks.js'
import { getMirror, saveMirror } from './mirrors.js'
import { getOutputState, setOutputState } from './output-state.js'
import { portalRows, wakeGroup } from './portals.js'
import { sharedRateBucket } from './rate-bucket.js'
import { migrate } from './schema.js'
import { closedError, toStoreError } from './store-error.js'
import { jobWriter } from './write-jobs.js'

export interface PostgresStoreOptions {
  /** `storage.url`: postgres://user:password@host:port/database */
  url: string
  /** Connections this instance opens at most (`storage.poolSize`), plus one for LISTEN. */
  poolSize?: number
  coalesce?: CoalesceFn
  clock?: { now(): number }
  logger?: Logger
  /** `storage.encryptionKey`: tokens are sealed with AES-256-GCM when set. */
  encryptionKey?: string
  /** Called when any instance commits new jobs (LISTEN/NOTIFY); wire it to the workers' wake-up. */
  onJobs?: (queue: QueueName, runAt: number, own: boolean) => void
  /** Called when any instance saved or removed an installed portal; re-read it. */
  onPortal?: (memberId: string) => void
}

/** Jobs a commit made claimable (the same shape as the store contract's commit hook). */
export type CommitListener = (work: { queue: QueueName; runAt: number }) => void

export interface PostgresStore extends Store {
  /**
   * Calls `listener` after each commit that stored claimable jobs, this instance's (enqueue,
   * complete with follow-ups, retry, replayDead, wakeGroup) and every other instance's
   * (LISTEN/NOTIFY); once per queue with the earliest run time. Returns the remover.
   */
  onCommitted(listener: CommitListener): () => void
  getChat(portal: string, chatId: number): Promise<PgChatRecord | undefined>
  saveChat(record: PgChatRecord): Promise<void>
  getConversation(output: string, portal: string, chatId: number): Promise<PgConversationRecord | undefined>
  saveConversation(record: PgConversationRecord): Promise<void>
  hasEarlierAdd(position: PgChatPosition): Promise<boolean>
  readonly coordination: Coordination
  /** The pool, for the shared rate buckets, cross-instance locks, diagnostics and tests. */
  readonly pool: pg.Pool
  /** Resolves once the schema is current (every method waits for it on its own). */
  readonly ready: Promise<void>
}

/**
 * Opens the shared store: a pg pool, schema migrations applied under an advisory lock (instances
 * starting at once are safe), LISTEN for other instances' new jobs. Returns at once; each method
 * waits for the migrations. Every method settles after its transaction committed.
 */
export function openPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const where = redactUrl(options.url)
  const clock = options.clock ?? { now: () => Date.now() }
  const logger = (options.logger ?? silentLogger()).child({ component: 'store', driver: 'postgres' })
  const pool = createPool({ url: options.url, max: options.poolSize ?? 10 })
  // An idle pooled connection that dies (server restart) must not crash the process: the next
  // query opens a new one, and a failing one surfaces as BRG_ERR_STORE_UNAVAILABLE.
  pool.on('error', (err) => logger.warn({ err: errorMessage(err) }, 'idle Postgres connection lost'))
  const box = createSecretBox(options.encryptionKey)
  const installed = portalRows(box)
  // Tells this instance's notifications from the others' (those wake workers here too).
  const instanceId = randomBytes(6).toString('hex')
  const writeJobs = jobWriter(options.coalesce, instanceId)
  const wrap = (operation: string) => (err: unknown) => toStoreError(err, operation, where)
  const listeners = new Set<CommitListener>()
  const committed = (work: CommittedQueues) => {
    for (const [queue, runAt] of work) for (const listener of listeners) listener({ queue, runAt })
  }
  const commits = new PgGroupCommit(pool, writeJobs, committed, wrap('enqueue'), logger)

  const ready = (async () => {
    const client = await pool.connect()
    try {
      const applied = await migrate(client, where)
      if (applied.length > 0) logger.info({ applied }, 'Postgres schema migrated')
    } finally {
      client.release()
    }
  })().catch((err: unknown) => {
    throw wrap('open')(err)
  })
  // Each method reports the failure itself; this keeps an unawaited `ready` from crashing the process.
  ready.catch(() => {})
  let listener: JobsListener | undefined
  const onJobs = options.onJobs
  const events: StoreEvents = {
    // Other instances' commits reach this one's commit listeners too; its own were reported locally.
    onJobs(queue, runAt, own) {
      if (!own) committed(new Map([[queue, runAt]]))
      onJobs?.(queue, runAt, own)
    },
    ...(options.onPortal === undefined ? {} : { onPortal: options.onPortal }),
  }
  ready
    .then(() => {
      if (!closed) {
        listener = listenForJobs(() => createClient({ url: options.url }), events, instanceId, logger)
      }
    })
    .catch(() => {})
  const coordination: Coordination = {
    rateBucket: (portal, limits) => sharedRateBucket(pool, portal, { ...limits, logger }),
    withLock: (name, fn) => ready.then(() => withAdvisoryLock(pool, name, fn)),
    tryLock: (name, fn) => ready.then(() => tryAdvisoryLock(pool, name, fn)),
  }

  let closed = false
  let closing: Promise<void> | undefined
  const rotation: ClaimRotation = new Map()

  const run = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) throw closedError(operation)
    try {
      await ready
      return await fn()
    } catch (err) {
      throw toStoreError(err, operation, where)
    }
  }
  const lostLease = (job: { id: string; queue: string; key: string }, operation: string) =>
    logger.warn(
      { jobId: job.id, queue: job.queue, key: job.key, operation },
      'job lease lost (expired and re-claimed, or job already finished); row left to its current holder',
    )

  return {
    pool,
    ready,
    coordination,
    enqueue(jobs) {
      if (closed) return Promise.reject(closedError('enqueue'))
      if (jobs.length === 0) return Promise.resolve()
      let prepared: ReturnType<typeof prepareJobs>
      try {
        prepared = prepareJobs(jobs, clock.now())
      } catch (err) {
        return Promise.reject(wrap('enqueue')(err))
      }
      return ready.then(() => commits.add(prepared))
    },
    claim: (queue, claimOptions) =>
      run('claim', () => claimJobs(pool, queue, claimOptions, clock.now(), rotation)),
    countPending: (queue, group) =>
      run('countPending', async () => {
        const { rows } = await pool.query<{ n: number }>(
          "SELECT COUNT(*)::int AS n FROM jobs WHERE queue = $1 AND grp = $2 AND status = 'pending'",
          [queue, group],
        )
        return rows[0]?.n ?? 0
      }),
    /**
     * The effects are applied even when the job is no longer ours (lease expired and re-claimed):
     * the mirror ref records a message that now exists in the output, and dropping it would make
     * the next attempt post a duplicate. The job row is left to its holder.
     */
    complete: (job, effects = {}) =>
      run('complete', async () => {
        const now = clock.now()
        const [removed, work] = await inTransaction(pool, async (client) => {
          const removed = await removeJob(client, job)
          const work =
            effects.enqueue !== undefined && effects.enqueue.length > 0
              ? await writeJobs(client, prepareJobs(effects.enqueue, now))
              : undefined
          if (effects.mirror !== undefined) await saveMirror(client, effects.mirror)
          if (effects.log !== undefined) await appendDelivery(client, effects.log)
          return [removed, work] as const
        })
        if (work !== undefined) committed(work)
        if (!removed) lostLease(job, 'complete')
      }),
    retry: (job, retryOptions) =>
      run('retry', async () => {
        const { runAt, error, countAttempt = true } = retryOptions
        if (!(await retryJob(pool, job, runAt, error, countAttempt, instanceId))) lostLease(job, 'retry')
        else committed(new Map([[job.queue, runAt]]))
      }),
    deadLetter: (job, reason) =>
      run('deadLetter', async () => {
        if (!(await buryJob(pool, job, reason, clock.now()))) lostLease(job, 'deadLetter')
      }),
    extendLease: (job, leaseMs) =>
      run('extendLease', async () => {
        if (!(await extendJobLease(pool, job, clock.now() + leaseMs))) lostLease(job, 'extendLease')
      }),
    listDead: (queue, limit = 100) => run('listDead', () => listDead(pool, queue, limit)),
    replayDead: (ids) =>
      run('replayDead', async () => {
        const { moved, work } = await replayDead(pool, ids, clock.now(), instanceId)
        committed(work)
        return moved
      }),
    stats: (queue) => run('stats', () => queueStats(pool, queue, clock.now())),
    discardDead: (ids) => run('discardDead', () => discardDead(pool, ids)),
    jobStates: (ids) => run('jobStates', () => jobStates(pool, ids, clock.now())),
    oldestPending: (queue) => run('oldestPending', () => oldestPending(pool, queue)),
    countEvents: (counts) => run('countEvents', () => countEvents(pool, counts)),
    activity: (since) => run('activity', () => activity(pool, since)),
    trimHistory: (before, limit) => run('trimHistory', () => trimHistory(pool, before, limit)),
    getMirror: (portal, messageId, output) =>
      run('getMirror', () => getMirror(pool, portal, messageId, output)),
    saveMirror: (record) => run('saveMirror', () => saveMirror(pool, record)),
    log: (entry) => run('log', () => appendDelivery(pool, entry)),
    listDeliveries: (query = {}) => run('listDeliveries', () => listDeliveries(pool, query)),
    listPortals: () => run('listPortals', () => installed.list(pool)),
    getPortal: (memberId) => run('getPortal', () => installed.get(pool, memberId)),
    savePortal: (portal) =>
      run('savePortal', () =>
        inTransaction(pool, async (client) => {
          await installed.save(client, portal)
          await announcePortal(client, portal.memberId)
        }),
      ),
    removePortal: (memberId, removeOptions = {}) =>
      run('removePortal', () =>
        inTransaction(pool, async (client) => {
          const removed = await installed.remove(client, memberId, removeOptions.purgeMirrors === true)
          await announcePortal(client, memberId)
          return removed
        }),
      ),
    wakeGroup: (queue, group) =>
      run('wakeGroup', async () => {
        const now = clock.now()
        const woken = await wakeGroup(pool, queue, group, now, instanceId)
        if (woken > 0) committed(new Map([[queue, now]]))
        return woken
      }),
    getChat: (portal, chatId) => run('getChat', () => getChat(pool, portal, chatId)),
    saveChat: (record) => run('saveChat', () => saveChat(pool, record)),
    getConversation: (output, portal, chatId) =>
      run('getConversation', () => getConversation(pool, output, portal, chatId)),
    saveConversation: (record) => run('saveConversation', () => saveConversation(pool, record)),
    hasEarlierAdd: (position) => run('hasEarlierAdd', () => hasEarlierAdd(pool, position)),
    onCommitted(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    getOutputState: (output, key) => run('getOutputState', () => getOutputState(pool, output, key)),
    setOutputState: (output, key, value) =>
      run('setOutputState', () => setOutputState(pool, output, key, value, clock.now())),
    async ping() {
      if (closed) return false
      // A write-capable primary that answers: a read-only standby (after a failover gone wrong) is not ready.
      try {
        await ready
        const { rows } = await pool.query<{ ro: string }>(
          "SELECT current_setting('transaction_read_only') AS ro",
        )
        return rows[0]?.ro === 'off'
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, 'store ping failed')
        return false
      }
    },
    close() {
      closing ??= (async () => {
        closed = true
        await commits.drain().catch(() => {})
        await listener?.close()
        await pool.end()
      })()
      return closing
    },
  }
}
