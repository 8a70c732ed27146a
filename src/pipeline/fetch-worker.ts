import type { Logger } from 'pino'
import { type BitrixError, isBitrixError } from '../bitrix/errors.js'
import type { PortalDirectory } from '../bitrix/portal-directory.js'
import type { BitrixClient, ReadResult } from '../bitrix/types.js'
import type { PipelineConfig, RouteConfig } from '../config/types.js'
import { codedMessage, ErrorCodes, errorMessage, isBridgeError } from '../errors.js'
import type { MirrorMessage } from '../model.js'
import { routeMessage } from '../router/route-message.js'
import type { Job, JobInput, Store } from '../store/store.js'
import { buildDeletedMessage, buildMirrorMessage } from './build-mirror-message.js'
import { buryAbandoned } from './bury-abandoned.js'
import { type DeliverPayload, deliverJob, type FetchPayload } from './jobs.js'
import { planReads } from './plan-reads.js'
import { type ChatTable, createConversationResolver } from './resolve-conversations.js'
import { nextStep } from './retry-policy.js'

export interface FetchWorkerDeps {
  store: Store
  bitrix: BitrixClient
  portals: PortalDirectory
  routes: readonly RouteConfig[]
  config: PipelineConfig
  logger: Logger
  now: () => number
  /** Called after deliver jobs were enqueued. */
  onDeliverQueued?: () => void
  /** Called when a portal's read finished, so the loop can claim that portal's next jobs at once. */
  onSettled?: () => void
}

export interface FetchTickOptions {
  /**
   * Leave a portal's jobs in the store while its rate bucket has no request free, and call
   * `wakeAt` for when it has: the read then carries every edit due by the time it can be sent,
   * instead of waiting inside the bucket with the edits claimed earlier while later ones wait for
   * the next read (the worker loop; `drain` reads at once).
   */
  waitForBucket?: { wakeAt(at: number): void }
}

export interface FetchWorker {
  /** Claims due jobs of portals with no read in flight and starts their reads; returns how many. */
  tick(options?: FetchTickOptions): Promise<number>
  /** Resolves once no read is in flight. */
  idle(): Promise<void>
}

/**
 * Stage one: claim fetch jobs (already coalesced per message by the store), read the messages
 * back from Bitrix24 in batches per portal, route them, and hand one deliver job per output on.
 * Portals are independent: each has at most one read in flight, and a tick never waits for any
 * read, so a portal that answers slowly (or never) holds back only its own messages.
 */
export function createFetchWorker(deps: FetchWorkerDeps): FetchWorker {
  const { store, config, logger } = deps
  const log = logger.child({ component: 'fetch' })
  /** Portals with a read in flight: their jobs are not claimed until it settles. */
  const reading = new Map<string, Promise<void>>()
  const conversations = createConversationResolver(deps)

  /** The delivery log entry of a fetch job's read, without its outcome. */
  const readEntry = (job: Job) => {
    const p = (job as Job<FetchPayload>).payload
    return {
      at: deps.now(),
      portal: p.portal,
      messageId: p.event.messageId,
      chatId: p.event.chatId,
      receivedAt: job.createdAt,
      output: '-',
      action: 'read',
    }
  }

  async function fail(job: Job<FetchPayload>, error: unknown, retryable: boolean): Promise<void> {
    if (isBitrixError(error) && error.pausedUntil !== undefined)
      return waitForPause(job, error, error.pausedUntil)
    const message = codedMessage(error)
    const p = job.payload
    const verdict = retryable
      ? nextStep(job, deps.now(), config, message)
      : { action: 'dead' as const, reason: message }
    const entry = readEntry(job)
    if (verdict.action === 'retry') {
      log.warn(
        { portal: p.portal, messageId: p.event.messageId, attempt: job.attempts + 1, err: message },
        'read failed; will retry',
      )
      // Log first, so the entry is in before the job can run again (the log keeps attempt order).
      await store.log({ ...entry, status: 'failed', attempt: job.attempts + 1, detail: message })
      await store.retry(job, { runAt: verdict.runAt, error: message })
    } else {
      log.error(
        { portal: p.portal, messageId: p.event.messageId, reason: verdict.reason },
        'read dead-lettered',
      )
      await store.log({ ...entry, status: 'dead', attempt: job.attempts + 1, detail: verdict.reason })
      await store.deadLetter(job, verdict.reason)
    }
  }

  /**
   * The portal's app tokens were rejected: its jobs wait for a new install without using up
   * attempts, so they are never dead-lettered for it (an install wakes them at once).
   */
  async function waitForReinstall(jobs: Job<FetchPayload>[], error: unknown): Promise<void> {
    const message = codedMessage(error)
    const first = jobs[0]
    if (first === undefined) return
    log.warn(
      { portal: first.payload.portal, jobs: jobs.length, err: message },
      'portal needs the app re-installed; its messages wait',
    )
    const runAt = deps.now() + config.backoffMaxMs
    for (const job of jobs) await store.retry(job, { runAt, error: message, countAttempt: false })
  }

  /**
   * Bitrix24 paused the read method (OPERATION_TIME_LIMIT, OVERLOAD_LIMIT, METHOD_CONFIRM_WAITING):
   * the job runs again when the pause ends, and the wait spends no attempt.
   */
  async function waitForPause(job: Job<FetchPayload>, error: BitrixError, until: number): Promise<void> {
    const p = job.payload
    const detail = `${codedMessage(error)} (paused until ${new Date(until).toISOString()}; not counted as an attempt)`
    log.warn(
      { portal: p.portal, messageId: p.event.messageId, pausedUntil: until, code: error.bitrixCode },
      'read paused',
    )
    await store.log({ ...readEntry(job), status: 'failed', attempt: job.attempts, detail })
    await store.retry(job, { runAt: until, error: detail, countAttempt: false })
  }

  /**
   * Jobs that would only have filled a last, partial batch go back unread: due at their own run
   * time, so they keep their place in the queue, and without spending an attempt.
   */
  async function handBack(portalId: string, jobs: Job<FetchPayload>[]): Promise<void> {
    log.debug({ portal: portalId, jobs: jobs.length }, 'handed back to fill whole batches next claim')
    // Together, so they share one commit's fsync instead of waiting for one each.
    await Promise.all(
      jobs.map((job) =>
        store.retry(job, { runAt: job.runAt, error: job.lastError ?? '', countAttempt: false }),
      ),
    )
  }

  const needsReinstall = (err: unknown) =>
    isBridgeError(err) && err.code === ErrorCodes.BITRIX_NEEDS_REINSTALL

  async function forward(
    job: Job<FetchPayload>,
    message: MirrorMessage,
    writtenAt?: number,
    source?: string,
  ): Promise<void> {
    const p = job.payload
    const outputs = routeMessage(deps.routes, {
      portal: p.portal,
      domain: message.domain,
      connector: message.connector,
      line: message.line,
      chatId: message.chatId,
    })
    const receivedAt = job.createdAt
    const jobs: JobInput[] = outputs.map((output) => {
      const payload: DeliverPayload = { portal: p.portal, output, version: p.event.ts, message, receivedAt }
      if (writtenAt !== undefined) payload.writtenAt = writtenAt
      return deliverJob(payload)
    })
    const base = {
      at: deps.now(),
      portal: p.portal,
      messageId: message.messageId,
      chatId: p.event.chatId,
      receivedAt,
      output: '-',
      attempt: job.attempts + 1,
    }
    const logEntry =
      outputs.length === 0
        ? { ...base, action: 'route', status: 'ignored' as const, detail: 'no route matches this message' }
        : message.unverified
          ? {
              ...base,
              action: 'read',
              status: 'delivered' as const,
              unverified: true,
              detail: source ?? 'text from the event',
            }
          : source !== undefined
            ? { ...base, action: 'read', status: 'delivered' as const, detail: source }
            : undefined
    await store.complete(job, logEntry ? { enqueue: jobs, log: logEntry } : { enqueue: jobs })
  }

  async function handleRead(job: Job<FetchPayload>, result: ReadResult, chats: ChatTable): Promise<void> {
    const p = job.payload
    if (result.status === 'ok') {
      const chat = chats.get(p.event.chatId)
      const conversation = conversations.conversationOf(p.portal, p.event, chat, result.message.params)
      const written = Date.parse(result.message.date)
      await forward(
        job,
        buildMirrorMessage(p.portal, p.event, result.message, result.unverified, conversation),
        Number.isFinite(written) && !result.unverified ? written : undefined,
        result.unverified ? undefined : result.source,
      )
    } else if (result.status === 'deleted') {
      await skip(job, 'message is deleted in Bitrix24 (IS_DELETED); not mirrored')
    } else if (result.status === 'unreadable') {
      // Not seeing a message proves nothing: never treated as a delete of an existing mirror.
      await skip(
        job,
        `message could not be read and the event carried no text: ${result.reason}; not mirrored`,
      )
    } else {
      await fail(job, result.error, result.error.retryable)
    }
  }

  async function skip(job: Job<FetchPayload>, detail: string): Promise<void> {
    const p = job.payload
    log.info({ portal: p.portal, messageId: p.event.messageId, reason: detail }, 'read skipped')
    await store.complete(job, {
      log: { ...readEntry(job), status: 'skipped', attempt: job.attempts + 1, detail },
    })
  }

  async function handlePortal(portalId: string, jobs: Job<FetchPayload>[], full: boolean): Promise<void> {
    const portal = deps.portals.get(portalId)
    if (!portal) {
      for (const job of jobs) await fail(job, new Error(`portal ${portalId} is no longer configured`), false)
      return
    }
    const chats = await conversations.cached(
      portalId,
      jobs.map((job) => job.payload.event.chatId),
    )
    const toRead: Job<FetchPayload>[] = []
    for (const job of jobs) {
      const event = job.payload.event
      if (event.kind === 'deleted') {
        const conversation = conversations.conversationOf(portalId, event, chats.get(event.chatId))
        await forward(job, buildDeletedMessage(portalId, event, conversation))
      } else toRead.push(job)
    }
    if (toRead.length === 0) return
    const plan = planReads(toRead, chats, { batchSize: config.batchSize, packFull: full })
    if (plan.handBack.length > 0) await handBack(portalId, plan.handBack)
    const { read, refs } = plan
    let results: ReadResult[]
    const started = deps.now()
    try {
      results = await deps.bitrix.readMessages(portal, refs)
      log.debug(
        {
          portal: portalId,
          method: 'batch(im.dialog.messages.get)',
          messageIds: refs.map((r) => r.messageId),
          ms: deps.now() - started,
          statuses: results.map((r) => r.status),
        },
        'read messages from Bitrix24',
      )
    } catch (err) {
      if (needsReinstall(err)) return waitForReinstall(read, err)
      const retryable = !isBridgeError(err) || err.kind !== 'config'
      for (const job of read) await fail(job, err, retryable)
      return
    }
    await conversations.afterRead(portal, chats, results)
    const waiting = read.filter((_job, i) => {
      const result = results[i]
      return result?.status === 'error' && needsReinstall(result.error)
    })
    if (waiting.length > 0) {
      const result = results[read.indexOf(waiting[0] as Job<FetchPayload>)]
      await waitForReinstall(waiting, result?.status === 'error' ? result.error : undefined)
    }
    await Promise.all(
      read.map((job, i) => {
        const result = results[i]
        if (waiting.includes(job)) return undefined
        return result
          ? handleRead(job, result, chats)
          : fail(job, new Error('Bitrix24 client returned no result'), true)
      }),
    )
  }

  function launch(portalId: string, jobs: Job<FetchPayload>[], full: boolean): void {
    const task = handlePortal(portalId, jobs, full)
      .catch((err) =>
        log.error(
          { err: errorMessage(err), portal: portalId },
          'read bookkeeping failed; the lease will expire and the jobs retry',
        ),
      )
      .finally(() => {
        reading.delete(portalId)
        deps.onDeliverQueued?.()
        deps.onSettled?.()
      })
    reading.set(portalId, task)
  }

  return {
    async tick(options = {}) {
      const limit = config.batchSize * 4
      const excludeGroups = [...reading.keys()]
      const notReady = options.waitForBucket ? deps.bitrix.portalsNotReady?.() : undefined
      if (notReady !== undefined && notReady.size > 0) {
        let soonest = Number.POSITIVE_INFINITY
        for (const [portal, ms] of notReady) {
          if (reading.has(portal)) continue
          excludeGroups.push(portal)
          soonest = Math.min(soonest, ms)
        }
        if (Number.isFinite(soonest)) options.waitForBucket?.wakeAt(deps.now() + soonest)
      }
      const claimed = (await store.claim('fetch', {
        limit,
        leaseMs: config.leaseSeconds * 1000,
        excludeGroups,
      })) as Job<FetchPayload>[]
      if (claimed.length === 0) return 0
      const jobs = await buryAbandoned(claimed, {
        store,
        maxAttempts: config.maxAttempts,
        log,
        entryOf: readEntry,
      })
      if (jobs.length === 0) return claimed.length
      const byPortal = new Map<string, Job<FetchPayload>[]>()
      for (const job of jobs) {
        const list = byPortal.get(job.payload.portal) ?? []
        list.push(job)
        byPortal.set(job.payload.portal, list)
      }
      // A full claim means more jobs wait: each portal's read then sends whole batches only.
      for (const [portal, list] of byPortal) launch(portal, list, jobs.length >= limit)
      return jobs.length
    },
    async idle() {
      while (reading.size > 0) await Promise.allSettled([...reading.values()])
    },
  }
}
