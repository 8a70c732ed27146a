import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { errorMessage } from '../../errors.js'
import type { PreparedJob, WriteJobs } from './enqueue-jobs.js'

interface PendingCall {
  jobs: readonly PreparedJob[]
  resolve(): void
  reject(err: unknown): void
}

/**
 * Group commit for `enqueue`, the receiver's hot path: every call made before the next
 * `setImmediate` (i.e. all requests parsed in one event-loop turn) is written in ONE transaction,
 * so N requests cost one commit (one fsync) instead of N. Each promise settles after that commit.
 * If the shared transaction fails, each call is retried in its own transaction so only a call
 * that fails on its own (bad payload, throwing coalesce) is rejected; SQLite rolls back the whole
 * transaction on error, so a rejected call never leaves part of its jobs behind.
 */
export class GroupCommit {
  #calls: PendingCall[] = []
  #timer: NodeJS.Immediate | undefined
  readonly #writeAll: (calls: readonly PendingCall[]) => void
  readonly #writeOne: (jobs: readonly PreparedJob[]) => void

  constructor(
    db: Database.Database,
    write: WriteJobs,
    private readonly wrapError: (err: unknown) => Error,
    private readonly logger: Logger,
    /** Called once per successful flush with the calls it committed (wakes the workers). */
    private readonly committed: (calls: readonly { jobs: readonly PreparedJob[] }[]) => void = () => {},
  ) {
    this.#writeAll = db.transaction((calls: readonly PendingCall[]) => {
      for (const call of calls) write(call.jobs)
    })
    this.#writeOne = db.transaction(write)
  }

  add(jobs: readonly PreparedJob[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#calls.push({ jobs, resolve, reject })
      this.#timer ??= setImmediate(() => this.flush())
    })
  }

  /** Writes everything waiting now (also called by close so no accepted call is dropped). */
  flush(): void {
    if (this.#timer !== undefined) clearImmediate(this.#timer)
    this.#timer = undefined
    const calls = this.#calls
    this.#calls = []
    if (calls.length === 0) return
    try {
      this.#writeAll(calls)
    } catch (err) {
      if (calls.length === 1) {
        calls[0]?.reject(this.wrapError(err))
        return
      }
      this.logger.warn(
        { err: errorMessage(err), calls: calls.length },
        'group commit failed; retrying each enqueue call on its own',
      )
      this.committed(calls.filter((call) => this.#writeAlone(call)))
      return
    }
    this.committed(calls)
    for (const call of calls) call.resolve()
  }

  #writeAlone(call: PendingCall): boolean {
    try {
      this.#writeOne(call.jobs)
    } catch (err) {
      call.reject(this.wrapError(err))
      return false
    }
    call.resolve()
    return true
  }
}
