import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { BridgeError, ErrorCodes, errorMessage } from '../../errors.js'
import { silentLogger } from '../../observability/logger.js'
import { commitListeners } from '../commit-listeners.js'
import { createSecretBox } from '../secret-box.js'
import type { CoalesceFn, DeliveryLogEntry, Job, JobInput, MirrorRecord, Store } from '../store.js'
import { activity } from './activity.js'
import { jobClaimer } from './claim-jobs.js'
import { type ConnectionOptions, openDatabase } from './connection.js'
import { conversations } from './conversations.js'
import { deadLetters } from './dead-letters.js'
import { deliveryLog } from './delivery-log.js'
import { jobWriter, type PreparedJob, prepareJobs } from './enqueue-jobs.js'
import { widerModes } from './file-modes.js'
import { GroupCommit, type GroupCommitStats } from './group-commit.js'
import { jobLifecycle } from './job-lifecycle.js'
import { mirrors } from './mirrors.js'
import { outputStateTable } from './output-state.js'
import { portals } from './portals.js'
import { closedError, toStoreError } from './store-error.js'
import { type WalSync, walSync } from './wal-sync.js'

export interface SqliteStoreOptions extends ConnectionOptions {
  /** Merges a new payload into a pending job of the same key; default: the new payload wins. */
  coalesce?: CoalesceFn
  clock?: { now(): number }
  logger?: Logger
  /** `storage.encryptionKey`: tokens are sealed with AES-256-GCM when set. */
  encryptionKey?: string
  /** Replaces the WAL fsync (tests: hold it to see that nothing is answered before it ends). */
  syncWal?: () => Promise<void>
}

export interface SqliteStore extends Store {
  /** The connection itself, for diagnostics and tests; write only through the Store methods. */
  readonly database: Database.Database
  /** Group commit counters: enqueue calls per commit, writes per fsync (bench/PROFILE.md). */
  commitStats(): GroupCommitStats
}

interface Effects {
  enqueue?: readonly JobInput[]
  mirror?: MirrorRecord
  log?: DeliveryLogEntry
}

/**
 * Opens (creating file, parent directories and schema as needed) the embedded store. Every
 * method runs synchronously inside SQLite and settles once its transaction committed, except
 * `enqueue`, which shares one commit with the other calls of the same event-loop turn.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const box = createSecretBox(options.encryptionKey)
  // FULL: the bridge fsyncs the WAL itself, off the event loop, once per group (see wal-sync.ts);
  // the connection need not sync at each commit for that, so it runs NORMAL.
  const ownSync = (options.synchronous ?? 'FULL') === 'FULL' && options.path !== ':memory:'
  const db = openDatabase(ownSync ? { ...options, synchronous: 'NORMAL' } : options)
  const wal: WalSync | undefined = ownSync ? walSync(options.path) : undefined
  const clock = options.clock ?? { now: () => Date.now() }
  const logger = (options.logger ?? silentLogger()).child({ component: 'store', driver: 'sqlite' })
  const wrap = (operation: string) => (err: unknown) => toStoreError(err, operation, options.path)
  if (options.path !== ':memory:') warnWiderModes(options.path, logger)

  const syncFailed = (err: unknown): never => {
    throw new BridgeError(
      ErrorCodes.STORE_UNAVAILABLE,
      `SQLite store could not fsync ${options.path} (${errorMessage(err)}); check the disk, then restart openline-bridge`,
      { cause: err },
    )
  }
  const writeJobs = jobWriter(db, options.coalesce)
  const listeners = commitListeners(logger)
  const commits = new GroupCommit(db, writeJobs, wrap('enqueue'), logger, {
    ...(wal === undefined ? {} : { sync: () => (options.syncWal ?? wal.sync)().catch(syncFailed) }),
    committed(calls) {
      if (!listeners.active()) return
      const jobs: PreparedJob[] = []
      for (const call of calls) for (const job of call.jobs) jobs.push(job)
      listeners.notifyJobs(jobs, clock.now())
    },
  })
  const claimJobs = jobClaimer(db)
  const countGroup = db.prepare<[string, string], { n: number }>(
    "SELECT COUNT(*) AS n FROM jobs WHERE queue = ? AND grp = ? AND status = 'pending'",
  )
  const lifecycle = jobLifecycle(db)
  const dead = deadLetters(db)
  const mirrorMap = mirrors(db)
  const deliveries = deliveryLog(db)
  const installed = portals(db, box)
  const outputState = outputStateTable(db)
  const threads = conversations(db)
  const minutes = activity(db)

  /**
   * The effects are applied even when the job is no longer ours (lease expired and re-claimed, or
   * already completed): the mirror ref records a message that now exists in the output, and
   * dropping it would make the next attempt post a duplicate. The job row is left to its holder.
   */
  const completeTx = db.transaction((job: Job, effects: Effects, now: number): boolean => {
    const removed = lifecycle.remove(job)
    if (effects.enqueue !== undefined && effects.enqueue.length > 0) {
      writeJobs(prepareJobs(effects.enqueue, now))
    }
    if (effects.mirror !== undefined) mirrorMap.save(effects.mirror)
    if (effects.log !== undefined) deliveries.append(effects.log)
    return removed
  })

  let closed = false
  let closing: Promise<void> | undefined

  const run = async <T>(operation: string, fn: () => T): Promise<T> => {
    if (closed) throw closedError(operation)
    try {
      return fn()
    } catch (err) {
      throw toStoreError(err, operation, options.path)
    }
  }
  /** A write: settles once its commit is on disk (it shares the fsync of the next group). */
  const write = async <T>(operation: string, fn: () => T): Promise<T> => {
    const result = await run(operation, fn)
    try {
      await commits.durable()
    } catch (err) {
      throw toStoreError(err, operation, options.path)
    }
    return result
  }
  const lostLease = (job: Job, operation: string) =>
    logger.warn(
      { jobId: job.id, queue: job.queue, key: job.key, operation },
      'job lease lost (expired and re-claimed, or job already finished); row left to its current holder',
    )

  return {
    database: db,
    commitStats: () => commits.stats(),
    enqueue(jobs) {
      if (closed) return Promise.reject(closedError('enqueue'))
      if (jobs.length === 0) return Promise.resolve()
      try {
        return commits.add(prepareJobs(jobs, clock.now()))
      } catch (err) {
        return Promise.reject(wrap('enqueue')(err))
      }
    },
    // Leases are not waited on: a lease lost to a power loss only makes its job claimable again,
    // as any crash does. Every other write settles after its fsync.
    claim: (queue, claimOptions) => run('claim', () => claimJobs(queue, claimOptions, clock.now())),
    countPending: (queue, group) => run('countPending', () => countGroup.get(queue, group)?.n ?? 0),
    complete: (job, effects = {}) =>
      write('complete', () => {
        const now = clock.now()
        if (!completeTx.immediate(job, effects, now)) lostLease(job, 'complete')
        if (effects.enqueue !== undefined) listeners.notifyJobs(effects.enqueue, now)
      }),
    retry: (job, retryOptions) =>
      write('retry', () => {
        const { runAt, error, countAttempt = true } = retryOptions
        if (lifecycle.retry(job, runAt, error, countAttempt)) listeners.notify({ queue: job.queue, runAt })
        else lostLease(job, 'retry')
      }),
    deadLetter: (job, reason) =>
      write('deadLetter', () => {
        if (!lifecycle.bury(job, reason, clock.now())) lostLease(job, 'deadLetter')
      }),
    extendLease: (job, leaseMs) =>
      run('extendLease', () => {
        if (!lifecycle.extend(job, clock.now() + leaseMs)) lostLease(job, 'extendLease')
      }),
    listDead: (queue, limit = 100) => run('listDead', () => dead.list(queue, limit)),
    replayDead: (ids) =>
      write('replayDead', () => {
        const now = clock.now()
        const moved = dead.replay(ids, now)
        if (moved > 0)
          for (const queue of ['fetch', 'deliver'] as const) listeners.notify({ queue, runAt: now })
        return moved
      }),
    discardDead: (ids) => run('discardDead', () => dead.discard(ids)),
    jobStates: (ids) => run('jobStates', () => dead.states(ids, clock.now())),
    stats: (queue) => run('stats', () => dead.stats(queue, clock.now())),
    oldestPending: (queue) => run('oldestPending', () => dead.oldestPending(queue)),
    countEvents: (counts) => run('countEvents', () => minutes.countEvents(counts)),
    activity: (since) => run('activity', () => minutes.since(since)),
    trimHistory: (before, limit) => write('trimHistory', () => deliveries.trim(before, limit)),
    getMirror: (portal, messageId, output) =>
      run('getMirror', () => mirrorMap.get(portal, messageId, output)),
    saveMirror: (record) => write('saveMirror', () => mirrorMap.save(record)),
    getChat: (portal, chatId) => run('getChat', () => threads.getChat(portal, chatId)),
    saveChat: (record) => write('saveChat', () => threads.saveChat(record)),
    getConversation: (output, portal, chatId) =>
      run('getConversation', () => threads.get(output, portal, chatId)),
    saveConversation: (record) => write('saveConversation', () => threads.save(record)),
    hasEarlierAdd: (position) => run('hasEarlierAdd', () => threads.hasEarlierAdd(position)),
    log: (entry) => write('log', () => deliveries.append(entry)),
    listPortals: () => run('listPortals', () => installed.list()),
    getPortal: (memberId) => run('getPortal', () => installed.get(memberId)),
    savePortal: (portal) => write('savePortal', () => installed.save(portal)),
    removePortal: (memberId, removeOptions = {}) =>
      write('removePortal', () => installed.remove(memberId, removeOptions.purgeMirrors === true)),
    wakeGroup: (queue, group) =>
      write('wakeGroup', () => {
        const now = clock.now()
        const woken = installed.wakeGroup(queue, group, now)
        if (woken > 0) listeners.notify({ queue, runAt: now })
        return woken
      }),
    onCommitted: (listener) => listeners.add(listener),
    listDeliveries: (query = {}) => run('listDeliveries', () => deliveries.list(query)),
    getOutputState: (output, key) => run('getOutputState', () => outputState.get(output, key)),
    setOutputState: (output, key, value) =>
      write('setOutputState', () => outputState.set(output, key, value, clock.now())),
    async ping() {
      if (closed) return false
      // Taking the write lock proves the file is writable and not locked out; a full disk shows
      // up on the next enqueue (STORE_UNAVAILABLE → 503) instead.
      try {
        db.exec('BEGIN IMMEDIATE')
        db.exec('ROLLBACK')
        return true
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, 'store ping failed')
        return false
      }
    },
    close() {
      closing ??= (async () => {
        closed = true
        await commits.settle()
        wal?.close()
        db.close()
      })()
      return closing
    },
  }
}

/** Tokens and message text are in these files: say so when others than the owner may read them. */
function warnWiderModes(path: string, logger: Logger): void {
  for (const wide of widerModes(path)) {
    logger.warn(
      wide,
      `${wide.path} is mode ${wide.mode}: others than its owner may read the bridge's tokens and messages; chmod ${wide.wanted.slice(1)} it`,
    )
  }
}
