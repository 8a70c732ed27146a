import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { errorMessage } from '../../errors.js'
import type { PreparedJob, WriteJobs } from './enqueue-jobs.js'

interface Waiter {
  resolve(): void
  reject(err: unknown): void
}

interface PendingCall extends Waiter {
  jobs: readonly PreparedJob[]
}

export interface GroupCommitStats {
  /** Enqueue transactions written (one per group). */
  commits: number
  /** enqueue calls those transactions carried (one per accepted request). */
  calls: number
  /** fsyncs run; each made every commit before it durable. */
  syncs: number
  /** Calls and other writes each fsync answered. */
  synced: number
}

export interface GroupCommitOptions {
  /** Made durable what was committed before the call; none: a commit is final as it returns. */
  sync?: () => Promise<void>
  /** Called once per enqueue transaction with the calls it committed (wakes the workers). */
  committed?: (calls: readonly { jobs: readonly PreparedJob[] }[]) => void
}

/**
 * Group commit, as PostgreSQL and InnoDB do it. `enqueue` calls (the receiver's hot path) are
 * written together in ONE transaction; every write then waits for an fsync that started after its
 * commit. While an fsync runs, nothing is written: calls queue up, and the moment it ends the
 * whole queue goes into the next transaction and the next fsync. So one fsync answers every
 * request that arrived during the previous one, and the event loop keeps parsing requests while
 * the disk works. Other writes (complete, retry, …) commit at once and join the next fsync through
 * `durable()`. If a shared transaction fails, each call is retried in its own transaction so only
 * a call that fails on its own (bad payload, throwing coalesce) is rejected; SQLite rolls back the
 * whole transaction on error, so a rejected call never leaves part of its jobs behind.
 */
export class GroupCommit {
  #calls: PendingCall[] = []
  #unsynced: Waiter[] = []
  #scheduled = false
  #syncing: Promise<void> | undefined
  readonly #writeAll: (calls: readonly PendingCall[]) => void
  readonly #writeOne: (jobs: readonly PreparedJob[]) => void
  readonly #stats: GroupCommitStats = { commits: 0, calls: 0, syncs: 0, synced: 0 }

  constructor(
    db: Database.Database,
    write: WriteJobs,
    private readonly wrapError: (err: unknown) => Error,
    private readonly logger: Logger,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.#writeAll = db.transaction((calls: readonly PendingCall[]) => {
      for (const call of calls) write(call.jobs)
    })
    this.#writeOne = db.transaction(write)
  }

  add(jobs: readonly PreparedJob[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#calls.push({ jobs, resolve, reject })
      this.#schedule()
    })
  }

  /** For a write that already committed: resolves once it is on disk (at once without a sync). */
  durable(): Promise<void> {
    if (this.options.sync === undefined) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.#unsynced.push({ resolve, reject })
      this.#schedule()
    })
  }

  stats(): GroupCommitStats {
    return { ...this.#stats }
  }

  /** Writes and syncs everything waiting (close calls it so no accepted call is dropped). */
  async settle(): Promise<void> {
    while (this.#syncing !== undefined || this.#calls.length > 0 || this.#unsynced.length > 0) {
      if (this.#syncing === undefined) this.#cycle()
      await this.#syncing?.catch(() => {})
    }
  }

  /** Every call of this event-loop turn shares the commit; a running fsync's end takes the queue. */
  #schedule(): void {
    if (this.#scheduled || this.#syncing !== undefined) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      if (this.#syncing === undefined) this.#cycle()
    })
  }

  #cycle(): void {
    const written = this.#write()
    const sync = this.options.sync
    if (sync === undefined) {
      for (const call of written) call.resolve()
      return
    }
    for (const call of written) {
      this.#unsynced.push({ resolve: call.resolve, reject: (err) => call.reject(this.wrapError(err)) })
    }
    const batch = this.#unsynced
    if (batch.length === 0) return
    this.#unsynced = []
    this.#stats.syncs += 1
    this.#stats.synced += batch.length
    this.#syncing = sync().then(
      () => {
        for (const waiter of batch) waiter.resolve()
      },
      (err: unknown) => {
        this.logger.error({ err: errorMessage(err) }, 'fsync failed; the writes waiting for it are refused')
        for (const waiter of batch) waiter.reject(err)
      },
    )
    this.#syncing.finally(() => {
      this.#syncing = undefined
      if (this.#calls.length > 0 || this.#unsynced.length > 0) this.#cycle()
    })
  }

  /** One transaction for every queued call; the calls that are now committed. */
  #write(): PendingCall[] {
    const calls = this.#calls
    this.#calls = []
    if (calls.length === 0) return []
    let committed: PendingCall[] = calls
    try {
      this.#writeAll(calls)
    } catch (err) {
      if (calls.length === 1) {
        calls[0]?.reject(this.wrapError(err))
        return []
      }
      this.logger.warn(
        { err: errorMessage(err), calls: calls.length },
        'group commit failed; retrying each enqueue call on its own',
      )
      committed = calls.filter((call) => this.#writeAlone(call))
    }
    this.#stats.commits += 1
    this.#stats.calls += committed.length
    if (committed.length > 0) this.options.committed?.(committed)
    return committed
  }

  #writeAlone(call: PendingCall): boolean {
    try {
      this.#writeOne(call.jobs)
    } catch (err) {
      call.reject(this.wrapError(err))
      return false
    }
    return true
  }
}
