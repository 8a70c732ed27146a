import type { Logger } from 'pino'
import type { PipelineConfig, PolicyConfig } from '../config/types.js'
import { errorMessage } from '../errors.js'
import { isOutputError, type OutputPlugin } from '../plugins/api.js'
import type { DeliveryLogEntry, Job, MirrorRecord, Store } from '../store/store.js'
import { createDeliveryApplier } from './apply-delivery.js'
import type { DeliverPayload } from './jobs.js'
import { nextStep } from './retry-policy.js'

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
} {
  const { store, config } = deps
  const log = deps.logger.child({ component: 'deliver' })
  const apply = createDeliveryApplier({ store, policy: deps.policy, logger: log, now: deps.now })
  const inFlight = new Map<string, number>()
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
      return e
    }
    const plugin = deps.outputs.get(p.output)
    if (!plugin) {
      const reason = `output ${p.output} is not configured any more`
      await store.log(entry('dead', 'none', reason))
      await store.deadLetter(job, reason)
      return
    }
    try {
      const mirror = await store.getMirror(p.portal, p.message.messageId, p.output)
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
        await store.complete(job, { mirror: record, log: entry('delivered', outcome.action) })
      } else {
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

  async function onError(
    job: Job<DeliverPayload>,
    err: unknown,
    entry: (status: DeliveryLogEntry['status'], action: string, detail?: string) => DeliveryLogEntry,
  ): Promise<void> {
    const output = job.payload.output
    const message = errorMessage(err)
    const now = deps.now()
    if (isOutputError(err) && err.reason === 'rate-limited') {
      const wait = err.retryAfterMs ?? config.backoffBaseMs
      pausedUntil.set(output, Math.max(pausedUntil.get(output) ?? 0, now + wait))
      log.warn({ output, retryAfterMs: wait }, 'output is rate limited; pausing this output only')
      await store.log(entry('failed', 'rate-limited', `retry after ${wait} ms: ${message}`))
      await store.retry(job, { runAt: now + wait, error: message, countAttempt: false })
      return
    }
    const permanent =
      isOutputError(err) && (err.reason === 'auth' || err.reason === 'invalid' || err.reason === 'gone')
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
    while (queue.length > 0 && (inFlight.get(output) ?? 0) < config.outputConcurrency) {
      launch(queue.shift()!)
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
    inFlight.set(output, (inFlight.get(output) ?? 0) + 1)
    const task = handle(job)
      .catch((err) =>
        log.error(
          { err: errorMessage(err), output },
          'delivery bookkeeping failed; the lease will expire and the job retry',
        ),
      )
      .finally(() => {
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
      const jobs = (await store.claim('deliver', {
        limit,
        leaseMs: config.leaseSeconds * 1000,
        excludeGroups: busyGroups(now),
      })) as Job<DeliverPayload>[]
      for (const job of jobs) {
        const queue = backlog.get(job.payload.output) ?? []
        queue.push(job)
        backlog.set(job.payload.output, queue)
      }
      for (const output of [...backlog.keys()]) pump(output)
      return jobs.length
    },
    async idle() {
      while (running.size > 0 || waiting() > 0) {
        if (running.size === 0) for (const output of [...backlog.keys()]) pump(output)
        await Promise.allSettled([...running])
      }
    },
  }
}
