import type pg from 'pg'
import type { Logger } from 'pino'
import { errorMessage } from '../../errors.js'
import type { PreparedJob } from '../sqlite/enqueue-jobs.js'
import { inTransaction } from './connection.js'
import type { CommittedQueues } from './listen-jobs.js'
import type { WriteJobs } from './write-jobs.js'

interface PendingCall {
  jobs: readonly PreparedJob[]
  resolve(): void
  reject(err: unknown): void
}

/**
 * Group commit for `enqueue`, the receiver's hot path. Calls made while the previous commit is in
 * flight (and all calls of one event-loop turn) are written in ONE transaction: a fixed handful of
 * round trips and one WAL flush for any number of events. `synchronous_commit` is on, so each
 * promise settles only after the commit is durable. If the shared transaction fails, each call is
 * retried in its own transaction, so only a call that fails on its own is rejected.
 */
export class PgGroupCommit {
  #waiting: PendingCall[] = []
  #timer: NodeJS.Immediate | undefined
  #inFlight: Promise<void> | undefined

  constructor(
    private readonly pool: pg.Pool,
    private readonly write: WriteJobs,
    private readonly committed: (work: CommittedQueues) => void,
    private readonly wrapError: (err: unknown) => Error,
    private readonly logger: Logger,
  ) {}

  add(jobs: readonly PreparedJob[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ jobs, resolve, reject })
      if (this.#inFlight === undefined) this.#timer ??= setImmediate(() => void this.#next())
    })
  }

  /** Resolves once everything accepted so far is written (close waits on it). */
  async drain(): Promise<void> {
    while (this.#inFlight !== undefined || this.#waiting.length > 0) {
      if (this.#inFlight === undefined) await this.#next()
      else await this.#inFlight
    }
  }

  #next(): Promise<void> {
    if (this.#timer !== undefined) clearImmediate(this.#timer)
    this.#timer = undefined
    if (this.#inFlight !== undefined) return this.#inFlight
    const calls = this.#waiting
    this.#waiting = []
    if (calls.length === 0) return Promise.resolve()
    this.#inFlight = this.#commit(calls).finally(() => {
      this.#inFlight = undefined
      if (this.#waiting.length > 0) void this.#next()
    })
    return this.#inFlight
  }

  async #commit(calls: PendingCall[]): Promise<void> {
    try {
      this.committed(
        await inTransaction(this.pool, (client) =>
          this.write(
            client,
            calls.flatMap((call) => call.jobs),
          ),
        ),
      )
    } catch (err) {
      if (calls.length === 1) {
        calls[0]?.reject(this.wrapError(err))
        return
      }
      this.logger.warn(
        { err: errorMessage(err), calls: calls.length },
        'group commit failed; retrying each enqueue call on its own',
      )
      for (const call of calls) await this.#alone(call)
      return
    }
    for (const call of calls) call.resolve()
  }

  async #alone(call: PendingCall): Promise<void> {
    try {
      this.committed(await inTransaction(this.pool, (client) => this.write(client, call.jobs)))
    } catch (err) {
      call.reject(this.wrapError(err))
      return
    }
    call.resolve()
  }
}
