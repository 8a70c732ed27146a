/**
 * What instances sharing one store agree on beyond jobs: the store provides it when it is shared
 * (Postgres); an embedded store (SQLite, one process) has none and the bridge uses local versions.
 */
export interface RateBucket {
  /** Resolves when one more request fits; waiters of this instance are served in call order. */
  take(): Promise<void>
  /** Stop serving for `ms` and treat the bucket as full (the portal just answered 503). */
  penalize(ms: number): void
  /** Requests the bucket held at the last take (for metrics). */
  level(): number
}

export interface Coordination {
  /** One Bitrix24 rate bucket per portal, shared by every instance. */
  rateBucket(portal: string, options: { burst: number; perSecond: number }): RateBucket
  /** Runs `fn` holding a lock no other instance holds at the same time (waits for it). */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>
  /** Runs `fn` only if no other instance holds the lock now; `ran: false` when one does. */
  tryLock<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>
}
