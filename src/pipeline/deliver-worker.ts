import type { Logger } from 'pino'
import type { PipelineConfig, PolicyConfig } from '../config/types.js'
import { codedMessage, ErrorCodes, errorMessage } from '../errors.js'
import { isReplyTooLarge } from '../http/cap-fetch.js'
import { isOutputError, type OutputPlugin } from '../plugins/api.js'
import type { DeliveryLogEntry, Job, MirrorRecord, Store } from '../store/store.js'
import { createDeliveryApplier, PENDING } from './apply-delivery.js'
import { buryAbandoned } from './bury-abandoned.js'
import { conversationContext } from './conversation-context.js'
import type { DeliverPayload } from './jobs.js'
import { nextStep } from './retry-policy.js'

/** How recently a message must have been written for its edit to wait for its add. */
const youngMs = 60_000

export interface DeliverWorkerDeps {
  store: Store
  outputs: ReadonlyMap<string, OutputPlugin>
  config: PipelineConfig
  policy: PolicyConfig
  logger: Logger
  now: () => number
  /** Called when a delivery finished, so the loop can claim more at once. */
  onSettled?: () => void
  /** Outputs not ready yet (start() failed for now): their deliveries are not claimed. */
  waitingOutputs?: () => readonly string[]
}

/**
 * Stage two: bring one output's mirror of one message up to date. Outputs are independent: each
 * has its own in-flight limit and its own pause after a 429, so one slow or rate-limited output
 * never holds back another.
 */
export function createDeliverWorker(deps: DeliverWorkerDeps): {
  tick(): Promise<number>
  idle(): Promise<void>
  /** When the last delivery put back to keep its chat in order is due again (ms; 0: none). */
  deferredUntil(): number
} {
  const { store, config } = deps
  const log = deps.logger.child({ component: 'deliver' })
  const apply = createDeliveryApplier({
    store,
    policy: deps.policy,
    logger: log,
    now: deps.now,
    conversation: (output, msg) => conversationContext({ store, config, now: deps.now }, output, msg),
  })
  const inFlight = new Map<string, number>()
  /** Chats (`output|portal|chat`) with a delivery in flight: one chat's messages go one at a time. */
  const busyLanes = new Set<string>()
  /** Latest time a delivery put back to wait for its chat's order is due again (for `drain`). */
  let deferredUntil = 0
  const laneOf = (job: Job<DeliverPayload>) =>
    `${job.payload.output}|${job.payload.portal}|${job.payload.message.chatId}`
  const pausedUntil = new Map<string, number>()
  const running = new Set<Promise<void>>()
  const backlog = new Map<string, Job<DeliverPayload>[]>()

  function busyGroups(now: number): string[] {
    const out: string[] = [...(deps.waitingOutputs?.() ?? [])]
    for (const [id, n] of inFlight) if (n >= config.outputConcurrency) out.push(id)
    for (const [id, until] of pausedUntil) {
      if (until > now) out.push(id)
      else pausedUntil.delete(id)
    }
    return out
  }

  async function handle(job: Job<DeliverPayload>): Promise<void> {
    const p = job.payload
    const attempt = job.attempts + 1
    const entry = (status: DeliveryLogEntry['status'], action: string, detail?: string): DeliveryLogEntry => {
      const e: DeliveryLogEntry = {
        at: deps.now(),
        portal: p.portal,
        messageId: p.message.messageId,
        output: p.output,
        action,
        status,
        attempt,
      }
      if (detail !== undefined) e.detail = detail
      if (p.message.unverified) e.unverified = true
      e.chatId = p.message.chatId
      if (p.receivedAt !== undefined) e.receivedAt = p.receivedAt
      return e
    }
    const plugin = deps.outputs.get(p.output)
    if (!plugin) {
      const reason = `${ErrorCodes.OUTPUT_UNKNOWN}: output ${p.output} is not configured any more; add it back to outputs and replay, or leave it dead`
      await store.log(entry('dead', 'none', reason))
      await store.deadLetter(job, reason)
      return
    }
    try {
      const mirror = await store.getMirror(p.portal, p.message.messageId, p.output)
      const wait = await orderWait(job, mirror)
      if (wait !== undefined) {
        log.debug({ output: p.output, messageId: p.message.messageId, reason: wait.reason }, 'delivery waits')
        await store.retry(job, { runAt: wait.runAt, error: wait.reason, countAttempt: false })
        deferredUntil = Math.max(deferredUntil, wait.runAt)
        return
      }
      const outcome = await apply(plugin, p, mirror)
      if (outcome.kind === 'applied') {
        const record: MirrorRecord = {
          portal: p.portal,
          messageId: p.message.messageId,
          output: p.output,
          ref: outcome.ref,
          hash: outcome.hash,
          version: Math.max(p.version, mirror?.version ?? 0),
          text: outcome.text,
          updatedAt: deps.now(),
        }
        const delivered = { ...entry('delivered', outcome.action), ref: JSON.stringify(outcome.ref) }
        await store.complete(job, { mirror: record, log: delivered })
      } else {
        log.debug(
          { output: p.output, portal: p.portal, messageId: p.message.messageId, version: p.version },
          `delivery skipped: ${outcome.detail}`,
        )
        const effects: { log: DeliveryLogEntry; mirror?: MirrorRecord } = {
          log: entry('skipped', outcome.action, outcome.detail),
        }
        if (outcome.touchVersion && mirror && p.version > mirror.version) {
          effects.mirror = { ...mirror, version: p.version, updatedAt: deps.now() }
        }
        await store.complete(job, effects)
      }
    } catch (err) {
      await onError(job, err, entry)
    }
  }

  /**
   * One chat's messages reach an output in Bitrix24 order. A new message waits while an earlier
   * add of its chat is still on its way (fetch or deliver job); an edit of a message never mirrored
   * waits for the add that may still come. A lost or failing earlier message holds its chat only
   * `orderWaitMs` after the job was made; then the delivery goes on.
   */
  async function orderWait(
    job: Job<DeliverPayload>,
    mirror: MirrorRecord | undefined,
  ): Promise<{ runAt: number; reason: string } | undefined> {
    const p = job.payload
    const { kind, chatId, messageId } = p.message
    if (kind === 'deleted' || (mirror !== undefined && !mirror.hash.startsWith(PENDING))) return undefined
    const now = deps.now()
    const left = job.createdAt + config.orderWaitMs - now
    const runAt = now + Math.max(config.pollIntervalMs, 50)
    // Bitrix24 sends a message's add event right after writing it: an edit of a message written
    // within the last minute may still see its add come, an older one will not.
    const young = p.writtenAt !== undefined && job.createdAt - p.writtenAt < youngMs
    if (kind === 'updated' && mirror === undefined && young && left > 0) {
      return { runAt: Math.min(runAt, now + left), reason: 'edit waits for its message to be mirrored first' }
    }
    // An earlier add still moving (in flight, or retrying within orderWaitMs) is always waited
    // for; one stuck in a longer backoff only until this job is orderWaitMs old.
    const position = { portal: p.portal, chatId, messageId, output: p.output }
    const blocked = await store.hasEarlierAdd(
      left > 0 ? position : { ...position, dueBefore: now + config.orderWaitMs },
    )
    return blocked ? { runAt, reason: 'waits for an earlier message of the same chat' } : undefined
  }

  async function onError(
    job: Job<DeliverPayload>,
    err: unknown,
    entry: (status: DeliveryLogEntry['status'], action: string, detail?: string) => DeliveryLogEntry,
  ): Promise<void> {
    const output = job.payload.output
    const message = codedMessage(err)
    const now = deps.now()
    if (isOutputError(err) && err.reason === 'rate-limited') {
      const wait = err.retryAfterMs ?? config.backoffBaseMs
      pausedUntil.set(output, Math.max(pausedUntil.get(output) ?? 0, now + wait))
      log.warn({ output, retryAfterMs: wait }, 'output is rate limited; pausing this output only')
      await store.log(entry('failed', 'rate-limited', `retry after ${wait} ms: ${message}`))
      await store.retry(job, { runAt: now + wait, error: message, countAttempt: false })
      return
    }
    // A reply over pipeline.maxReplyBytes comes back the same on every attempt: dead at once,
    // whatever a plugin made of the error.
    const permanent =
      (isOutputError(err) && (err.reason === 'auth' || err.reason === 'invalid' || err.reason === 'gone')) ||
      isReplyTooLarge(err)
    const verdict = permanent
      ? { action: 'dead' as const, reason: message }
      : nextStep(job, now, config, message)
    if (verdict.action === 'retry') {
      log.warn(
        { output, messageId: job.payload.message.messageId, attempt: job.attempts + 1, err: message },
        'delivery failed; will retry',
      )
      // Log first: each write settles after its fsync, and the entry must be in before the job
      // can run again, so the log keeps the attempts in order.
      await store.log(entry('failed', 'retry', message))
      await store.retry(job, { runAt: verdict.runAt, error: message })
    } else {
      log.error(
        { output, messageId: job.payload.message.messageId, reason: verdict.reason },
        'delivery dead-lettered',
      )
      await store.log(entry('dead', 'none', verdict.reason))
      await store.deadLetter(job, verdict.reason)
    }
  }

  /**
   * Claimed jobs wait here until their output has a free slot, so `outputConcurrency` is a hard
   * limit even when one claim returns several jobs of one output. A paused output's waiting jobs go
   * back to the store for when the pause ends (their lease must not run out while they wait).
   */
  function pump(output: string): void {
    const queue = backlog.get(output)
    if (!queue) return
    const until = pausedUntil.get(output) ?? 0
    if (until > deps.now()) {
      for (const job of queue.splice(0)) {
        store
          .retry(job, { runAt: until, error: 'output paused after a rate limit', countAttempt: false })
          .catch((err) =>
            log.error(
              { err: errorMessage(err), output },
              'could not release a waiting job; its lease will expire',
            ),
          )
      }
    }
    // Lowest message id first; a job whose chat already has a delivery in flight stays queued.
    for (let i = 0; i < queue.length && (inFlight.get(output) ?? 0) < config.outputConcurrency; ) {
      const job = queue[i] as Job<DeliverPayload>
      if (busyLanes.has(laneOf(job))) i++
      else {
        queue.splice(i, 1)
        launch(job)
      }
    }
    if (queue.length === 0) backlog.delete(output)
  }

  function waiting(): number {
    let n = 0
    for (const queue of backlog.values()) n += queue.length
    return n
  }

  function launch(job: Job<DeliverPayload>): void {
    const output = job.payload.output
    const lane = laneOf(job)
    busyLanes.add(lane)
    inFlight.set(output, (inFlight.get(output) ?? 0) + 1)
    const task = handle(job)
      .catch((err) =>
        log.error(
          { err: errorMessage(err), output },
          'delivery bookkeeping failed; the lease will expire and the job retry',
        ),
      )
      .finally(() => {
        busyLanes.delete(lane)
        inFlight.set(output, (inFlight.get(output) ?? 1) - 1)
        running.delete(task)
        pump(output)
        deps.onSettled?.()
      })
    running.add(task)
  }

  return {
    async tick() {
      const now = deps.now()
      const limit = deps.outputs.size * config.outputConcurrency - running.size - waiting()
      if (limit <= 0) return 0
      const claimed = (await store.claim('deliver', {
        limit,
        leaseMs: config.leaseSeconds * 1000,
        excludeGroups: busyGroups(now),
      })) as Job<DeliverPayload>[]
      const jobs = await buryAbandoned(claimed, {
        store,
        maxAttempts: config.maxAttempts,
        log,
        entryOf: (job) => {
          const p = (job as Job<DeliverPayload>).payload
          const e: Omit<DeliveryLogEntry, 'status' | 'detail' | 'attempt'> = {
            at: deps.now(),
            portal: p.portal,
            messageId: p.message.messageId,
            chatId: p.message.chatId,
            output: p.output,
            action: 'none',
          }
          if (p.receivedAt !== undefined) e.receivedAt = p.receivedAt
          return e
        },
      })
      for (const job of jobs) {
        const queue = backlog.get(job.payload.output) ?? []
        queue.push(job)
        backlog.set(job.payload.output, queue)
      }
      for (const queue of backlog.values()) {
        queue.sort((a, b) => a.payload.message.messageId - b.payload.message.messageId)
      }
      for (const output of [...backlog.keys()]) pump(output)
      return claimed.length
    },
    deferredUntil: () => deferredUntil,
    async idle() {
      while (running.size > 0 || waiting() > 0) {
        if (running.size === 0) for (const output of [...backlog.keys()]) pump(output)
        await Promise.allSettled([...running])
      }
    },
  }
}
