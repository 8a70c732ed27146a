import type { Coordination } from './coordination.js'

/**
 * The durable heart of the bridge. Two implementations share this contract and one behaviour
 * test suite (test/support/store-behaviour.ts): `sqlite/` (embedded default, one instance) and
 * `postgres/` (any number of instances on one database). The scale-out engine is PostgreSQL, not
 * Redis: the contract is transactional (`complete` removes a job, enqueues follow-ups, writes the
 * mirror map and the delivery log at once) and needs per-key exclusion and coalescing of pending
 * jobs. Postgres gives that natively (transactions, `FOR UPDATE SKIP LOCKED`, advisory locks,
 * `LISTEN/NOTIFY`) and is available managed and highly available everywhere; Redis queues
 * (BullMQ) cannot give per-key exclusion or atomic effects without paid features or hand-written Lua.
 *
 * Jobs live in named queues (`fetch`, `deliver`). A job has a coalescing `key`: enqueuing a job
 * whose key already has a *pending* (not claimed) job in the same queue merges into it instead of
 * adding a row (see `CoalesceFn`). Jobs of one key never run concurrently: `claim` skips a key that
 * has a job under an unexpired lease. A crashed worker's lease expires and its job is claimable again.
 */
export type QueueName = 'fetch' | 'deliver'

export interface JobInput<P = unknown> {
  queue: QueueName
  /** Coalescing and ordering key, e.g. `fetch:<portal>:<messageId>`. */
  key: string
  /** Concurrency group: the portal for fetch jobs, the output id for deliver jobs. */
  group: string
  payload: P
  /** Earliest run time (ms since epoch); default now. */
  runAt?: number
}

export interface Job<P = unknown> {
  id: string
  queue: QueueName
  key: string
  group: string
  payload: P
  /** Attempts made so far (0 before the first claim completes or fails). */
  attempts: number
  /** When the first event behind this job was stored (ms); coalescing keeps the earliest. */
  createdAt: number
  runAt: number
  lastError?: string
}

export interface DeadJob<P = unknown> extends Job<P> {
  deadAt: number
  reason: string
}

/**
 * Merges a new payload into a pending job's payload of the same key. Default: the new payload
 * wins. The pipeline passes one that keeps the newest version and the strongest kind.
 */
export type CoalesceFn = (existing: unknown, incoming: unknown) => unknown

export interface ClaimOptions {
  limit: number
  leaseMs: number
  /** Groups not to claim from (outputs that are paused or at their concurrency limit). */
  excludeGroups?: readonly string[]
}

export interface MirrorRecord {
  portal: string
  messageId: number
  output: string
  /** What the output returned from send/update (JSON-serializable). */
  ref: unknown
  /** Hash of what was rendered last; equal hash → no call. */
  hash: string
  /** Version (event ts) of the text that was applied; older versions are never applied. */
  version: number
  /** Plain text last applied (for `previousText`). */
  text: string
  updatedAt: number
}

/** An open-line chat's details as last read from Bitrix24: a cache, refreshed when a new session starts. */
export interface ChatRecord {
  portal: string
  chatId: number
  title: string
  customerName?: string
  /** Open-line session the details were read in. */
  sessionId?: number
  readAt: number
}

/** One output's thread for one chat (what the plugin saved through `ConversationContext.save`). */
export interface ConversationRecord {
  output: string
  portal: string
  chatId: number
  /** The plugin's thread ref (JSON). */
  ref: unknown
  /** Session the thread belongs to, when known. */
  sessionId?: number
  /** The previous session's thread ref, when a new session opened this one. */
  previousRef?: unknown
  updatedAt: number
}

/** Identifies one message of one chat as an output sees it (ordering checks). */
export interface ChatPosition {
  portal: string
  chatId: number
  messageId: number
  output: string
  /** Count only jobs due by then (in flight, or retrying soon); default: every pending job. */
  dueBefore?: number
}

export type DeliveryStatus = 'delivered' | 'skipped' | 'failed' | 'dead' | 'ignored'

export interface DeliveryLogEntry {
  at: number
  portal: string
  messageId: number
  /** Output id, or `-` for fetch-stage entries. */
  output: string
  action: string
  status: DeliveryStatus
  attempt: number
  detail?: string
  unverified?: boolean
  /** The open-line chat of the message (for search and the console). */
  chatId?: number
  /** When the first event behind this entry was stored (ms): `at - receivedAt` is event→mirror latency. */
  receivedAt?: number
  /** The output's external ref after a delivery, as JSON (secret-free ids: Slack ts, Telegram message_id…). */
  ref?: string
}

export interface DeliveryQuery {
  limit?: number
  portal?: string
  messageId?: number
  output?: string
  status?: DeliveryStatus
  chatId?: number
  /** Entries at or after this time (ms). */
  since?: number
  /** Entries at or before this time (ms). */
  until?: number
}

/** One minute of activity (for the console's charts). Minutes with no activity are left out. */
export interface MinuteActivity {
  /** Start of the minute, ms since epoch. */
  minute: number
  /** Events answered 200 (counted by `countEvents`). */
  events: number
  /** Bitrix24 reads (fetch-stage `read` entries of the delivery log). */
  reads: number
  /** Mirrors delivered (output entries with status `delivered`). */
  deliveries: number
  /** Event→mirror latency of the deliveries with a `receivedAt`, in ms. */
  latencyP50?: number
  latencyP95?: number
}

/** Where a job is now; `gone` = finished (or never existed). */
export type JobState = 'pending' | 'leased' | 'dead' | 'gone'

export interface QueueStats {
  pending: number
  leased: number
  dead: number
}

export type PortalStatus = 'active' | 'needs-reinstall'

/**
 * An installed portal (OAuth mode): what ONAPPINSTALL delivered, kept current by ONAPPUPDATE,
 * token refreshes and redirects. Keyed by `member_id`. Saved whole, in one statement, so both
 * tokens always change together.
 */
export interface PortalCredentials {
  memberId: string
  /** Current portal domain (updated when the portal moves). */
  domain: string
  /** REST base, `https://<portal>/rest/`. */
  clientEndpoint: string
  /** OAuth server REST base, `https://oauth.bitrix.info/rest/`; refresh goes to its host's `/oauth/token/`. */
  serverEndpoint: string
  /** Proof every event of this portal must carry. */
  applicationToken: string
  accessToken: string
  refreshToken: string
  /** When the access token expires, ms since epoch (0 = unknown). */
  expiresAt: number
  scope: string
  status: PortalStatus
  /** Why the portal needs attention (secret-free, for /readyz and `deliveries`). */
  statusReason?: string
  /** `event.offline.get` process whose events are stored but not yet cleared (crash recovery). */
  offlineProcessId?: string
  installedAt: number
  updatedAt: number
}

/** Jobs a commit made claimable: their queue and the earliest run time among them (ms). */
export interface CommittedWork {
  queue: QueueName
  runAt: number
}

export type CommitListener = (work: CommittedWork) => void

export interface RemovedPortal {
  /** Pending jobs (fetch and deliver) of the portal that were dropped. */
  jobs: number
  /** Mirror map entries purged (0 unless asked to purge). */
  mirrors: number
}

export interface Store {
  /**
   * Present when instances share this store (Postgres): the shared Bitrix24 rate buckets and the
   * cross-instance locks (token refresh, offline pull). Absent for an embedded store.
   */
  readonly coordination?: Coordination
  /** Durably stores the jobs (all or none) before resolving. Concurrent calls may share one commit. */
  enqueue(jobs: readonly JobInput[]): Promise<void>
  /**
   * Claims due jobs of a queue under a lease, at most one per key. Groups take turns, so one group
   * with many due jobs cannot take a claim from the others: the claim hands out the oldest due job
   * (by run time) of each group, then the second oldest of each, and so on up to `limit`; within a
   * group jobs come oldest run time first. Successive claims rotate the group that goes first, so
   * with a limit smaller than the number of groups every group with due jobs is still served in
   * turn. A job claimed again because its lease ran out (its worker crashed or hung while it ran)
   * has that counted as an attempt, with `lastError` saying so: a job that kills the process
   * every time it runs reaches `maxAttempts` and is dead-lettered instead of crashing forever.
   */
  claim(queue: QueueName, options: ClaimOptions): Promise<Job[]>
  /**
   * Jobs of one group in a queue that are not finished: waiting (due or not) or under a lease;
   * dead letters are not counted. Backed by an index (the receiver's per-portal cap calls it at
   * most once a second per portal, never per request).
   */
  countPending(queue: QueueName, group: string): Promise<number>
  /** Removes a finished job; in the same transaction enqueues follow-up jobs and writes a mirror. */
  complete(
    job: Job,
    effects?: { enqueue?: readonly JobInput[]; mirror?: MirrorRecord; log?: DeliveryLogEntry },
  ): Promise<void>
  /** Releases the lease and schedules another attempt (attempts + 1 unless `countAttempt` is false). */
  retry(job: Job, options: { runAt: number; error: string; countAttempt?: boolean }): Promise<void>
  /** Moves the job to the dead letters. */
  deadLetter(job: Job, reason: string): Promise<void>
  /** Extends a lease still held (long output calls). */
  extendLease(job: Job, leaseMs: number): Promise<void>

  listDead(queue?: QueueName, limit?: number): Promise<DeadJob[]>
  /** Moves dead jobs back to pending with attempts reset; returns how many were moved. */
  replayDead(ids: readonly string[]): Promise<number>
  /** Deletes dead jobs for good (only dead ones); returns how many were deleted. */
  discardDead(ids: readonly string[]): Promise<number>
  /** The state of each job id asked for (replay progress). */
  jobStates(ids: readonly string[]): Promise<Record<string, JobState>>
  stats(queue: QueueName): Promise<QueueStats>
  /** When the oldest pending job of a queue was first stored (ms), or undefined when none waits. */
  oldestPending(queue: QueueName): Promise<number | undefined>

  getMirror(portal: string, messageId: number, output: string): Promise<MirrorRecord | undefined>
  saveMirror(record: MirrorRecord): Promise<void>

  /** Cached chat details (see ChatRecord). */
  getChat(portal: string, chatId: number): Promise<ChatRecord | undefined>
  saveChat(record: ChatRecord): Promise<void>
  /** The thread one output keeps for one chat; saved whole (upsert). */
  getConversation(output: string, portal: string, chatId: number): Promise<ConversationRecord | undefined>
  saveConversation(record: ConversationRecord): Promise<void>
  /**
   * True while an earlier message of the same chat is still on its way to this output as an add:
   * a pending or leased `fetch` job (payload `event`) of the portal whose kind is `added`, or a
   * `deliver` job of this output (payload `message`) whose kind is `added`, with a lower message
   * id. Dead jobs do not count; with `dueBefore`, neither do jobs whose next attempt is later.
   * Used to deliver one chat's messages in Bitrix24 order.
   */
  hasEarlierAdd(position: ChatPosition): Promise<boolean>

  log(entry: DeliveryLogEntry): Promise<void>
  listDeliveries(query?: DeliveryQuery): Promise<DeliveryLogEntry[]>
  /** Adds to the per-minute count of events received (flushed from memory, off the request path). */
  countEvents(counts: readonly { minute: number; events: number }[]): Promise<void>
  /** Per-minute events, reads, deliveries and latency since a time (oldest first). */
  activity(since: number): Promise<MinuteActivity[]>
  /**
   * Deletes delivery log entries and per-minute event counts older than `before` (ms), at most
   * `limit` log entries per call (oldest first), so a large backlog is trimmed in short
   * transactions. Returns how many log entries went.
   */
  trimHistory(before: number, limit: number): Promise<number>

  /** Installed portals (OAuth mode); secrets come back decrypted. */
  listPortals(): Promise<PortalCredentials[]>
  getPortal(memberId: string): Promise<PortalCredentials | undefined>
  /** Insert or replace the whole record (secrets encrypted when the store has a key). */
  savePortal(portal: PortalCredentials): Promise<void>
  /**
   * Forgets a portal (app uninstalled): its credentials and pending jobs, and with `purgeMirrors`
   * its chat details and conversation threads as well as   * its mirror map; all in one transaction. Dead letters and the delivery log are kept.
   */
  removePortal(memberId: string, options?: { purgeMirrors?: boolean }): Promise<RemovedPortal>
  /** Makes a group's waiting jobs due now (a portal was re-installed); returns how many. */
  wakeGroup(queue: QueueName, group: string): Promise<number>

  /**
   * Small facts an output learns while running and must keep across restarts (e.g. the Telegram
   * group that became a supergroup), by output id and key; values are JSON. `undefined` when unset.
   */
  getOutputState(output: string, key: string): Promise<unknown>
  /** Insert or replace one output state value. */
  setOutputState(output: string, key: string, value: unknown): Promise<void>

  /**
   * Calls `listener` right after each commit that stored claimable jobs (enqueue, complete with
   * follow-up jobs, retry, replayDead, wakeGroup): once per queue written, with the earliest run
   * time, so workers sleep until work exists instead of polling. A store shared by processes also
   * reports the other processes' commits (Postgres: LISTEN/NOTIFY). Listeners must be cheap and
   * must not throw. Returns the function that removes the listener.
   */
  onCommitted(listener: CommitListener): () => void

  /** True when the store can take writes (used by /readyz). */
  ping(): Promise<boolean>
  close(): Promise<void>
}
