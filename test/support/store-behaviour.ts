import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type {
  CoalesceFn,
  CommittedWork,
  DeliveryLogEntry,
  JobInput,
  MirrorRecord,
  PortalCredentials,
  QueueName,
  Store,
} from '../../src/store/store.js'

/** A clock the test moves by hand, so leases and run times need no waiting. */
export class FakeClock {
  constructor(private current = 1_700_000_000_000) {}
  now(): number {
    return this.current
  }
  advance(ms: number): void {
    this.current += ms
  }
}

export interface StoreHarness {
  store: Store
  clock: FakeClock
  /** Closes the current store and opens the same data again (the harness tracks the new one). */
  reopen(): Promise<Store>
  /** Closes whatever is open and removes the data. */
  cleanup(): Promise<void>
}

export interface OpenStoreOptions {
  coalesce?: CoalesceFn
}

const lease = { limit: 10, leaseMs: 30_000 }

export function job(key: string, payload: unknown = { key }, extra: Partial<JobInput> = {}): JobInput {
  return { queue: 'fetch', key, group: 'portal-a', payload, ...extra }
}

function mirror(overrides: Partial<MirrorRecord> = {}): MirrorRecord {
  return {
    portal: 'portal-a',
    messageId: 42,
    output: 'slack.support',
    ref: { channel: 'C1', ts: '1700.0001', thread: { ts: '1699.9' } },
    hash: 'h1',
    version: 100,
    text: 'hello',
    updatedAt: 1_700_000_000_000,
    ...overrides,
  }
}

function entry(overrides: Partial<DeliveryLogEntry> = {}): DeliveryLogEntry {
  return {
    at: 1_000,
    portal: 'portal-a',
    messageId: 1,
    output: 'slack.support',
    action: 'update',
    status: 'delivered',
    attempt: 1,
    ...overrides,
  }
}

export function credentials(overrides: Partial<PortalCredentials> = {}): PortalCredentials {
  return {
    memberId: 'member-a',
    domain: 'a.bitrix24.com',
    clientEndpoint: 'https://a.bitrix24.com/rest/',
    serverEndpoint: 'https://oauth.bitrix.info/rest/',
    applicationToken: 'app-token-a',
    accessToken: 'access-a-1',
    refreshToken: 'refresh-a-1',
    expiresAt: 1_700_003_600_000,
    scope: 'imopenlines,im',
    status: 'active',
    installedAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  }
}

/**
 * The Store contract as behaviour: every implementation runs this suite against a real backend.
 * `open` must give a fresh, empty store driven by the returned FakeClock.
 */
export function describeStoreBehaviour(
  name: string,
  open: (options?: OpenStoreOptions) => Promise<StoreHarness>,
): void {
  describe(`Store behaviour: ${name}`, () => {
    let h: StoreHarness
    const harnesses: StoreHarness[] = []
    const openTracked = async (options?: OpenStoreOptions) => {
      const opened = await open(options)
      harnesses.push(opened)
      return opened
    }
    const claimAll = (queue: QueueName = 'fetch') => h.store.claim(queue, lease)

    beforeEach(async () => {
      h = await openTracked()
    })
    afterEach(async () => {
      for (const opened of harnesses.splice(0)) await opened.cleanup()
    })

    describe('jobs', () => {
      it('stores an enqueued job, hands it out on claim and forgets it on complete', async () => {
        const now = h.clock.now()
        await h.store.enqueue([job('m1', { text: 'hi', n: [1, 2] })])

        const [claimed, ...rest] = await claimAll()
        expect(rest).toEqual([])
        expect(claimed).toMatchObject({
          queue: 'fetch',
          key: 'm1',
          group: 'portal-a',
          payload: { text: 'hi', n: [1, 2] },
          attempts: 0,
          createdAt: now,
          runAt: now,
        })
        expect(typeof claimed?.id).toBe('string')
        expect(await h.store.stats('fetch')).toEqual({ pending: 0, leased: 1, dead: 0 })

        await h.store.complete(claimed!)
        h.clock.advance(60_000)
        expect(await claimAll()).toEqual([])
        expect(await h.store.stats('fetch')).toEqual({ pending: 0, leased: 0, dead: 0 })
      })

      it('keeps queues apart', async () => {
        await h.store.enqueue([job('m1'), job('m1', {}, { queue: 'deliver', group: 'slack' })])
        expect((await claimAll('deliver')).map((j) => j.queue)).toEqual(['deliver'])
        expect((await claimAll('fetch')).map((j) => j.queue)).toEqual(['fetch'])
      })

      it('claims oldest run time first and honours the limit', async () => {
        const now = h.clock.now()
        await h.store.enqueue([job('late', {}, { runAt: now - 10 }), job('early', {}, { runAt: now - 50 })])
        await h.store.enqueue([job('middle', {}, { runAt: now - 20 })])
        const first = await h.store.claim('fetch', { limit: 2, leaseMs: 1000 })
        expect(first.map((j) => j.key)).toEqual(['early', 'middle'])
        expect((await claimAll()).map((j) => j.key)).toEqual(['late'])
      })

      it('does not claim a job before its runAt', async () => {
        await h.store.enqueue([job('later', {}, { runAt: h.clock.now() + 5_000 })])
        expect(await claimAll()).toEqual([])
        h.clock.advance(5_000)
        expect((await claimAll()).map((j) => j.key)).toEqual(['later'])
      })

      it('stores all jobs of a call with an empty call being a no-op', async () => {
        await h.store.enqueue([])
        await h.store.enqueue([job('a'), job('b'), job('c')])
        expect((await claimAll()).map((j) => j.key).sort()).toEqual(['a', 'b', 'c'])
      })
    })

    describe('coalescing', () => {
      it('merges five enqueues of one key into one job, applying coalesce in order', async () => {
        const calls: unknown[][] = []
        const coalesced = await openTracked({
          coalesce: (existing, incoming) => {
            calls.push([existing, incoming])
            return {
              seen: [...(existing as { seen: number[] }).seen, ...(incoming as { seen: number[] }).seen],
            }
          },
        })
        const firstAt = coalesced.clock.now()
        for (let n = 1; n <= 5; n++) {
          await coalesced.store.enqueue([job('m1', { seen: [n] })])
          coalesced.clock.advance(100)
        }
        expect(calls).toHaveLength(4)
        expect(calls[0]).toEqual([{ seen: [1] }, { seen: [2] }])

        const claimed = await coalesced.store.claim('fetch', lease)
        expect(claimed).toHaveLength(1)
        expect(claimed[0]?.payload).toEqual({ seen: [1, 2, 3, 4, 5] })
        expect(claimed[0]?.createdAt).toBe(firstAt)
        expect(claimed[0]?.runAt).toBe(firstAt)
      })

      it('lets the newest payload win by default, and keeps the earliest run time', async () => {
        const now = h.clock.now()
        await h.store.enqueue([job('m1', { v: 1 }, { runAt: now + 1_000 })])
        await h.store.enqueue([job('m1', { v: 2 }, { runAt: now + 5_000 })])
        h.clock.advance(1_000)
        const claimed = await claimAll()
        expect(claimed.map((j) => [j.payload, j.runAt])).toEqual([[{ v: 2 }, now + 1_000]])
      })

      it('coalesces jobs of one key within one call and across calls of one tick', async () => {
        await Promise.all([
          h.store.enqueue([job('m1', { v: 1 }), job('m1', { v: 2 })]),
          h.store.enqueue([job('m1', { v: 3 })]),
        ])
        expect((await claimAll()).map((j) => j.payload)).toEqual([{ v: 3 }])
      })

      it('does not merge keys of different queues', async () => {
        await h.store.enqueue([job('m1', { v: 1 }), job('m1', { v: 2 }, { queue: 'deliver' })])
        expect((await claimAll('fetch')).map((j) => j.payload)).toEqual([{ v: 1 }])
      })
    })

    describe('leases', () => {
      it('never hands out a leased key twice; a new job for it waits until the lease is released', async () => {
        await h.store.enqueue([job('m1', { v: 1 })])
        const [running] = await claimAll()
        await h.store.enqueue([job('m1', { v: 2 }), job('m2', { v: 1 })])

        expect((await claimAll()).map((j) => j.key)).toEqual(['m2'])
        expect(await claimAll()).toEqual([])
        // The running job's payload is untouched by the later enqueue.
        expect(running?.payload).toEqual({ v: 1 })

        await h.store.complete(running!)
        const next = await claimAll()
        expect(next.map((j) => [j.key, j.payload])).toEqual([['m1', { v: 2 }]])
        expect(next[0]?.id).not.toBe(running?.id)
      })

      it('hands out only one job per key even when several are due', async () => {
        await h.store.enqueue([job('m1', { v: 1 })])
        const [first] = await claimAll()
        await h.store.enqueue([job('m1', { v: 2 })])
        await h.store.retry(first!, { runAt: h.clock.now(), error: 'boom' })
        const claimed = await claimAll()
        expect(claimed.filter((j) => j.key === 'm1')).toHaveLength(1)
        expect(await claimAll()).toEqual([])
      })

      it('makes a job claimable again when its lease expires (crashed worker)', async () => {
        await h.store.enqueue([job('m1')])
        const [first] = await h.store.claim('fetch', { limit: 1, leaseMs: 1_000 })
        h.clock.advance(999)
        expect(await claimAll()).toEqual([])
        h.clock.advance(2)
        const again = await claimAll()
        expect(again.map((j) => j.id)).toEqual([first?.id])
      })

      it('counts a lease that ran out as an attempt, and says so; a released job claims without one', async () => {
        await h.store.enqueue([job('m1'), job('m2')])
        const claimed = await h.store.claim('fetch', { limit: 2, leaseMs: 1_000 })
        expect(claimed.map((j) => j.attempts)).toEqual([0, 0])
        const m2 = claimed.find((j) => j.key === 'm2')!
        await h.store.retry(m2, { runAt: h.clock.now(), error: 'paused', countAttempt: false })
        h.clock.advance(1_001)
        const again = await h.store.claim('fetch', { limit: 2, leaseMs: 1_000 })
        const byKey = new Map(again.map((j) => [j.key, j]))
        expect(byKey.get('m1')?.attempts).toBe(1)
        expect(byKey.get('m1')?.lastError).toMatch(/lease ran out .*crashed, was killed or hung/)
        expect(byKey.get('m2')?.attempts).toBe(0)
        expect(byKey.get('m2')?.lastError).toBe('paused')
        h.clock.advance(1_001)
        const third = await h.store.claim('fetch', { limit: 2, leaseMs: 1_000 })
        expect(third.map((j) => [j.key, j.attempts]).sort()).toEqual([
          ['m1', 2],
          ['m2', 1],
        ])
      })

      it('extendLease keeps a long-running job from being claimed again', async () => {
        await h.store.enqueue([job('m1')])
        const [first] = await h.store.claim('fetch', { limit: 1, leaseMs: 1_000 })
        h.clock.advance(900)
        await h.store.extendLease(first!, 5_000)
        h.clock.advance(4_000)
        expect(await claimAll()).toEqual([])
        h.clock.advance(1_001)
        expect((await claimAll()).map((j) => j.id)).toEqual([first?.id])
      })

      it('skips groups listed in excludeGroups', async () => {
        await h.store.enqueue([job('a1', {}, { group: 'a' }), job('b1', {}, { group: 'b' })])
        await h.store.enqueue([job('c1', {}, { group: 'c' })])
        const claimed = await h.store.claim('fetch', { ...lease, excludeGroups: ['a', 'c'] })
        expect(claimed.map((j) => j.key)).toEqual(['b1'])
        expect((await claimAll()).map((j) => j.key).sort()).toEqual(['a1', 'c1'])
      })
    })

    describe('fairness between groups', () => {
      it('takes groups in turn: a group with many due jobs cannot take a claim from the others', async () => {
        const now = h.clock.now()
        // The flood is older than the quiet group's only job: oldest-first would hand out flood only.
        await h.store.enqueue(
          Array.from({ length: 20 }, (_, i) =>
            job(`flood-${i}`, {}, { group: 'flood', runAt: now - 100 + i }),
          ),
        )
        await h.store.enqueue([job('quiet-1', {}, { group: 'quiet', runAt: now })])
        const claimed = await h.store.claim('fetch', { limit: 4, leaseMs: 1000 })
        expect(claimed.map((j) => j.key).sort()).toEqual(['flood-0', 'flood-1', 'flood-2', 'quiet-1'])
      })

      it('shares a claim evenly between groups, oldest run time first within each group', async () => {
        const now = h.clock.now()
        await h.store.enqueue([
          ...Array.from({ length: 5 }, (_, i) => job(`a-${i}`, {}, { group: 'a', runAt: now - 50 + i })),
          ...Array.from({ length: 5 }, (_, i) => job(`b-${i}`, {}, { group: 'b', runAt: now - 40 + i })),
          ...Array.from({ length: 5 }, (_, i) => job(`c-${i}`, {}, { group: 'c', runAt: now - 30 + i })),
        ])
        const claimed = await h.store.claim('fetch', { limit: 6, leaseMs: 1000 })
        const byGroup = (g: string) => claimed.filter((j) => j.group === g).map((j) => j.key)
        expect(byGroup('a')).toEqual(['a-0', 'a-1'])
        expect(byGroup('b')).toEqual(['b-0', 'b-1'])
        expect(byGroup('c')).toEqual(['c-0', 'c-1'])
      })

      it('rotates between claims: with limit 1 every group with due jobs is served in turn', async () => {
        const now = h.clock.now()
        await h.store.enqueue([
          ...Array.from({ length: 6 }, (_, i) => job(`a-${i}`, {}, { group: 'a', runAt: now - 100 + i })),
          job('b-0', {}, { group: 'b', runAt: now }),
          job('c-0', {}, { group: 'c', runAt: now }),
        ])
        const groups: string[] = []
        for (let i = 0; i < 4; i++) {
          const [claimed] = await h.store.claim('fetch', { limit: 1, leaseMs: 60_000 })
          groups.push(claimed?.group ?? '-')
        }
        // b and c are each served within the first three claims, whatever group goes first.
        expect(new Set(groups.slice(0, 3))).toEqual(new Set(['a', 'b', 'c']))
        expect(groups[3]).toBe('a')
      })
    })

    describe('pending count per group', () => {
      it('counts the jobs of a group that are waiting or in progress, not dead ones nor other groups', async () => {
        const now = h.clock.now()
        expect(await h.store.countPending('fetch', 'a')).toBe(0)
        await h.store.enqueue([
          job('a-1', {}, { group: 'a' }),
          job('a-2', {}, { group: 'a' }),
          job('a-3', {}, { group: 'a', runAt: now + 60_000 }),
          job('b-1', {}, { group: 'b' }),
          job('a-1', {}, { group: 'a', queue: 'deliver' }),
        ])
        expect(await h.store.countPending('fetch', 'a')).toBe(3)
        const [first, second] = await h.store.claim('fetch', {
          limit: 2,
          leaseMs: 1000,
          excludeGroups: ['b'],
        })
        expect(await h.store.countPending('fetch', 'a')).toBe(3)
        await h.store.complete(first!)
        await h.store.deadLetter(second!, 'gave up')
        expect(await h.store.countPending('fetch', 'a')).toBe(1)
        expect(await h.store.countPending('fetch', 'b')).toBe(1)
        expect(await h.store.countPending('deliver', 'a')).toBe(1)
      })
    })

    describe('retry and dead letters', () => {
      it('retry schedules the next attempt and counts it unless told not to', async () => {
        await h.store.enqueue([job('m1')])
        const [first] = await claimAll()
        await h.store.retry(first!, { runAt: h.clock.now() + 10_000, error: 'HTTP 503' })
        expect(await claimAll()).toEqual([])
        expect(await h.store.stats('fetch')).toEqual({ pending: 1, leased: 0, dead: 0 })

        h.clock.advance(10_000)
        const [second] = await claimAll()
        expect(second).toMatchObject({ id: first?.id, attempts: 1, lastError: 'HTTP 503' })

        await h.store.retry(second!, { runAt: h.clock.now(), error: 'rate limited', countAttempt: false })
        const [third] = await claimAll()
        expect(third).toMatchObject({ attempts: 1, lastError: 'rate limited' })
      })

      it('dead-letters a job, lists it and replays it with attempts reset', async () => {
        await h.store.enqueue([job('m1', { v: 1 }), job('d1', {}, { queue: 'deliver' })])
        const [first] = await claimAll()
        await h.store.retry(first!, { runAt: h.clock.now(), error: 'HTTP 500' })
        const [second] = await claimAll()
        h.clock.advance(5)
        await h.store.deadLetter(second!, 'attempts exhausted')

        expect(await claimAll()).toEqual([])
        expect(await h.store.stats('fetch')).toEqual({ pending: 0, leased: 0, dead: 1 })
        const dead = await h.store.listDead('fetch')
        expect(dead).toHaveLength(1)
        expect(dead[0]).toMatchObject({
          id: first?.id,
          key: 'm1',
          payload: { v: 1 },
          attempts: 1,
          reason: 'attempts exhausted',
          deadAt: h.clock.now(),
        })
        expect(await h.store.listDead('deliver')).toEqual([])
        expect((await h.store.listDead()).map((j) => j.id)).toEqual([first?.id])

        expect(await h.store.replayDead([first!.id, '999999', 'not-an-id'])).toBe(1)
        expect(await h.store.replayDead([first!.id])).toBe(0)
        expect(await h.store.listDead()).toEqual([])
        const [replayed] = await claimAll()
        expect(replayed).toMatchObject({ id: first?.id, attempts: 0, payload: { v: 1 } })
      })

      it('lists dead jobs newest first within the limit', async () => {
        await h.store.enqueue([job('a'), job('b'), job('c')])
        for (const claimed of await claimAll()) {
          h.clock.advance(10)
          await h.store.deadLetter(claimed, `dead ${claimed.key}`)
        }
        expect((await h.store.listDead('fetch', 2)).map((j) => j.key)).toEqual(['c', 'b'])
      })

      it('discards only dead jobs, and tells the state of each job (replay progress)', async () => {
        await h.store.enqueue([job('a'), job('b'), job('c')])
        const [a, b, c] = await claimAll()
        await h.store.deadLetter(a!, 'dead a')
        await h.store.deadLetter(b!, 'dead b')
        await h.store.complete(c!)
        await h.store.enqueue([job('d')])
        const [d] = await claimAll()
        await h.store.enqueue([job('e')])
        const pendingE = (await h.store.stats('fetch')).pending
        expect(pendingE).toBe(1)
        const states = await h.store.jobStates([a!.id, c!.id, d!.id, 'not-an-id'])
        expect(states).toEqual({ [a!.id]: 'dead', [c!.id]: 'gone', [d!.id]: 'leased', 'not-an-id': 'gone' })

        expect(await h.store.discardDead([a!.id, d!.id, 'not-an-id'])).toBe(1)
        expect((await h.store.listDead()).map((j) => j.key)).toEqual(['b'])
        expect((await h.store.jobStates([a!.id, d!.id]))[d!.id]).toBe('leased')
        expect(await h.store.replayDead([b!.id])).toBe(1)
        expect((await h.store.jobStates([b!.id]))[b!.id]).toBe('pending')
      })

      it('tells when the oldest pending job of a queue was stored', async () => {
        expect(await h.store.oldestPending('fetch')).toBeUndefined()
        const first = h.clock.now()
        await h.store.enqueue([job('a')])
        h.clock.advance(1000)
        await h.store.enqueue([job('b'), job('x', {}, { queue: 'deliver' })])
        expect(await h.store.oldestPending('fetch')).toBe(first)
        expect(await h.store.oldestPending('deliver')).toBe(first + 1000)
      })
    })

    describe('complete with effects', () => {
      it('removes the job, enqueues follow-ups, saves the mirror and logs, together', async () => {
        await h.store.enqueue([job('m1')])
        const [fetched] = await claimAll()
        await h.store.complete(fetched!, {
          enqueue: [job('m1:slack', { out: 'slack' }, { queue: 'deliver', group: 'slack' })],
          mirror: mirror(),
          log: entry({ output: '-', action: 'fetch' }),
        })
        expect(await h.store.stats('fetch')).toEqual({ pending: 0, leased: 0, dead: 0 })
        expect((await claimAll('deliver')).map((j) => j.payload)).toEqual([{ out: 'slack' }])
        expect(await h.store.getMirror('portal-a', 42, 'slack.support')).toEqual(mirror())
        expect(await h.store.listDeliveries()).toEqual([entry({ output: '-', action: 'fetch' })])
      })

      it('coalesces follow-ups into pending jobs of the same key', async () => {
        await h.store.enqueue([job('m1'), job('m1:slack', { v: 1 }, { queue: 'deliver' })])
        const [fetched] = await claimAll()
        await h.store.complete(fetched!, { enqueue: [job('m1:slack', { v: 2 }, { queue: 'deliver' })] })
        expect((await claimAll('deliver')).map((j) => j.payload)).toEqual([{ v: 2 }])
      })

      it('changes nothing when any part fails', async () => {
        const failing = await openTracked({
          coalesce: (_existing, incoming) => {
            if ((incoming as { fail?: boolean }).fail) throw new Error('cannot merge')
            return incoming
          },
        })
        const { store, clock } = failing
        await store.enqueue([job('m1'), job('m1:slack', { v: 1 }, { queue: 'deliver' })])
        const [fetched] = await store.claim('fetch', { limit: 1, leaseMs: 1_000 })
        await expect(
          store.complete(fetched!, {
            enqueue: [
              job('m1:tg', {}, { queue: 'deliver' }),
              job('m1:slack', { fail: true }, { queue: 'deliver' }),
            ],
            mirror: mirror(),
            log: entry(),
          }),
        ).rejects.toThrow()

        expect(await store.getMirror('portal-a', 42, 'slack.support')).toBeUndefined()
        expect(await store.listDeliveries()).toEqual([])
        expect((await store.claim('deliver', lease)).map((j) => [j.key, j.payload])).toEqual([
          ['m1:slack', { v: 1 }],
        ])
        clock.advance(1_001)
        expect((await store.claim('fetch', lease)).map((j) => j.id)).toEqual([fetched?.id])
      })
    })

    describe('commit notifications (what wakes the workers)', () => {
      /** Collects what the store reports; a store may report asynchronously (LISTEN/NOTIFY). */
      const listen = () => {
        const heard: CommittedWork[] = []
        const stop = h.store.onCommitted((work) => heard.push(work))
        const waitFor = async (check: (w: CommittedWork[]) => boolean) => {
          const started = Date.now()
          while (!check(heard)) {
            if (Date.now() - started > 10_000) throw new Error(`not heard: ${JSON.stringify(heard)}`)
            await new Promise((r) => setTimeout(r, 5))
          }
        }
        return { heard, stop, waitFor }
      }
      const has = (queue: QueueName, runAt: number) => (w: CommittedWork[]) =>
        w.some((x) => x.queue === queue && x.runAt === runAt)

      it('reports each queue an enqueue wrote, with its earliest run time', async () => {
        const now = h.clock.now()
        const l = listen()
        await h.store.enqueue([
          job('m1', {}, { runAt: now + 500 }),
          job('m2', {}, { runAt: now + 100 }),
          job('m1:slack', {}, { queue: 'deliver', group: 'slack' }),
        ])
        await l.waitFor((w) => has('fetch', now + 100)(w) && has('deliver', now)(w))
        expect(l.heard.some((x) => x.queue === 'fetch' && x.runAt === now + 500)).toBe(false)
        l.stop()
      })

      it('reports the follow-ups of a complete and the new run time of a retry', async () => {
        await h.store.enqueue([job('m1'), job('m2')])
        const [first, second] = await claimAll()
        const l = listen()
        await h.store.complete(first!, {
          enqueue: [job('m1:slack', {}, { queue: 'deliver', group: 'slack' })],
        })
        await l.waitFor(has('deliver', h.clock.now()))
        const later = h.clock.now() + 5_000
        await h.store.retry(second!, { runAt: later, error: 'read failed' })
        await l.waitFor(has('fetch', later))
        l.stop()
      })

      it('stops reporting to a listener once it is removed', async () => {
        const gone = listen()
        gone.stop()
        await h.store.enqueue([job('m1')])
        const kept = listen()
        await h.store.enqueue([job('m2', {}, { queue: 'deliver' })])
        await kept.waitFor(has('deliver', h.clock.now()))
        expect(gone.heard).toEqual([])
        kept.stop()
      })
    })

    describe('mirror map', () => {
      it('round-trips a record with a JSON ref and overwrites it on save', async () => {
        expect(await h.store.getMirror('portal-a', 42, 'slack.support')).toBeUndefined()
        await h.store.saveMirror(mirror())
        await h.store.saveMirror(mirror({ output: 'telegram.ops', ref: { chatId: -100, messageId: 7 } }))
        expect(await h.store.getMirror('portal-a', 42, 'slack.support')).toEqual(mirror())

        const updated = mirror({
          ref: ['a', 1, null],
          hash: 'h2',
          version: 101,
          text: 'edited',
          updatedAt: 5,
        })
        await h.store.saveMirror(updated)
        expect(await h.store.getMirror('portal-a', 42, 'slack.support')).toEqual(updated)
        expect((await h.store.getMirror('portal-a', 42, 'telegram.ops'))?.ref).toEqual({
          chatId: -100,
          messageId: 7,
        })
        expect(await h.store.getMirror('portal-b', 42, 'slack.support')).toBeUndefined()
        expect(await h.store.getMirror('portal-a', 43, 'slack.support')).toBeUndefined()
      })
    })

    describe('output state', () => {
      it('keeps one JSON value per output and key, replaces it on set, and keeps it across reopen', async () => {
        expect(await h.store.getOutputState('telegram.ops', 'chatMoves')).toBeUndefined()
        await h.store.setOutputState('telegram.ops', 'chatMoves', { '-4518810793': -1002471352452 })
        await h.store.setOutputState('telegram.other', 'chatMoves', { '-1': -1001 })
        await h.store.setOutputState('telegram.ops', 'note', 'text')
        await h.store.setOutputState('telegram.ops', 'chatMoves', {
          '-4518810793': -1002471352452,
          '-2': -1002,
        })
        const store = await h.reopen()
        expect(await store.getOutputState('telegram.ops', 'chatMoves')).toEqual({
          '-4518810793': -1002471352452,
          '-2': -1002,
        })
        expect(await store.getOutputState('telegram.other', 'chatMoves')).toEqual({ '-1': -1001 })
        expect(await store.getOutputState('telegram.ops', 'note')).toBe('text')
        expect(await store.getOutputState('slack.support', 'chatMoves')).toBeUndefined()
      })
    })

    describe('conversations', () => {
      it('caches chat details per portal and chat, replacing them on save', async () => {
        expect(await h.store.getChat('portal-a', 1024)).toBeUndefined()
        const chat = {
          portal: 'portal-a',
          chatId: 1024,
          title: 'Ivan - Support',
          customerName: 'Ivan',
          sessionId: 343,
          readAt: 5,
        }
        await h.store.saveChat(chat)
        await h.store.saveChat({ portal: 'portal-b', chatId: 1024, title: 'Chat 1024', readAt: 6 })
        expect(await h.store.getChat('portal-a', 1024)).toEqual(chat)
        expect(await h.store.getChat('portal-b', 1024)).toEqual({
          portal: 'portal-b',
          chatId: 1024,
          title: 'Chat 1024',
          readAt: 6,
        })
        await h.store.saveChat({ ...chat, sessionId: 344, readAt: 7 })
        expect((await h.store.getChat('portal-a', 1024))?.sessionId).toBe(344)
      })

      it('keeps one thread per (output, portal, chat) with its session and the previous thread', async () => {
        expect(await h.store.getConversation('slack.support', 'portal-a', 1024)).toBeUndefined()
        const thread = {
          output: 'slack.support',
          portal: 'portal-a',
          chatId: 1024,
          ref: { channel: 'C1', ts: '1.1' },
          sessionId: 343,
          updatedAt: 1,
        }
        await h.store.saveConversation(thread)
        await h.store.saveConversation({ ...thread, output: 'telegram.ops', ref: { topic: 9 } })
        expect(await h.store.getConversation('slack.support', 'portal-a', 1024)).toEqual(thread)
        expect((await h.store.getConversation('telegram.ops', 'portal-a', 1024))?.ref).toEqual({ topic: 9 })
        expect(await h.store.getConversation('slack.support', 'portal-a', 1025)).toBeUndefined()
        const next = {
          ...thread,
          ref: { channel: 'C1', ts: '2.2' },
          sessionId: 344,
          previousRef: thread.ref,
          updatedAt: 2,
        }
        await h.store.saveConversation(next)
        expect(await h.store.getConversation('slack.support', 'portal-a', 1024)).toEqual(next)
        const store = await h.reopen()
        expect(await store.getConversation('slack.support', 'portal-a', 1024)).toEqual(next)
      })

      it('hasEarlierAdd sees pending and leased adds of earlier messages of the chat, not edits, dead jobs or other chats', async () => {
        const fetchOf = (messageId: number, kind: string, chatId = 7) =>
          job(`portal-a:${messageId}`, { portal: 'portal-a', event: { chatId, messageId, kind } })
        const deliverOf = (messageId: number, kind: string, output = 'slack.support') => ({
          queue: 'deliver' as const,
          key: `portal-a:${messageId}:${output}`,
          group: output,
          payload: { portal: 'portal-a', output, version: 1, message: { chatId: 7, messageId, kind } },
        })
        const at = (messageId: number, output = 'slack.support') => ({
          portal: 'portal-a',
          chatId: 7,
          messageId,
          output,
        })
        expect(await h.store.hasEarlierAdd(at(10))).toBe(false)
        await h.store.enqueue([fetchOf(5, 'updated'), fetchOf(6, 'added', 8), fetchOf(11, 'added')])
        expect(await h.store.hasEarlierAdd(at(10))).toBe(false)
        await h.store.enqueue([fetchOf(9, 'added')])
        expect(await h.store.hasEarlierAdd(at(10))).toBe(true)
        expect(await h.store.hasEarlierAdd(at(9))).toBe(false)
        const fetched = await h.store.claim('fetch', { limit: 10, leaseMs: 10_000 })
        expect(await h.store.hasEarlierAdd(at(10))).toBe(true) // leased still counts
        const nine = fetched.find((j) => j.key === 'portal-a:9')!
        await h.store.complete(nine, { enqueue: [deliverOf(9, 'added', 'telegram.ops')] })
        expect(await h.store.hasEarlierAdd(at(10))).toBe(false) // another output's delivery
        expect(await h.store.hasEarlierAdd(at(10, 'telegram.ops'))).toBe(true)
        await h.store.enqueue([deliverOf(8, 'added')])
        expect(await h.store.hasEarlierAdd(at(10))).toBe(true)
        const [eight] = await h.store.claim('deliver', {
          limit: 1,
          leaseMs: 10_000,
          excludeGroups: ['telegram.ops'],
        })
        await h.store.deadLetter(eight!, 'gone')
        expect(await h.store.hasEarlierAdd(at(10))).toBe(false)
        // A retry due later than `dueBefore` does not count there; it still counts without it.
        const later = h.clock.now() + 60_000
        await h.store.enqueue([{ ...deliverOf(7, 'added'), runAt: later }])
        expect(await h.store.hasEarlierAdd(at(10))).toBe(true)
        expect(await h.store.hasEarlierAdd({ ...at(10), dueBefore: later - 1 })).toBe(false)
        expect(await h.store.hasEarlierAdd({ ...at(10), dueBefore: later })).toBe(true)
      })

      it('hasEarlierAdd follows a job merged into another: the merged payload decides whether it adds', async () => {
        const fetchOf = (messageId: number, kind: string) =>
          job(`portal-a:${messageId}`, { portal: 'portal-a', event: { chatId: 7, messageId, kind } })
        const at = { portal: 'portal-a', chatId: 7, messageId: 10, output: 'slack.support' }
        // Default merge: the newest payload wins, so an add overwritten by an edit no longer adds.
        await h.store.enqueue([fetchOf(9, 'added')])
        await h.store.enqueue([fetchOf(9, 'updated')])
        expect(await h.store.hasEarlierAdd(at)).toBe(false)
        await h.store.enqueue([fetchOf(9, 'added')])
        expect(await h.store.hasEarlierAdd(at)).toBe(true)
        // With a coalesce function (the pipeline's keeps the add), the merged payload counts.
        const kept = await openTracked({
          coalesce: (existing, incoming) => {
            const older = (existing as { event: { kind: string } }).event.kind
            const newer = incoming as { portal: string; event: { kind: string } }
            return {
              ...newer,
              event: { ...newer.event, kind: older === 'added' ? 'added' : newer.event.kind },
            }
          },
        })
        await kept.store.enqueue([fetchOf(9, 'added')])
        await kept.store.enqueue([fetchOf(9, 'updated')])
        expect(await kept.store.hasEarlierAdd(at)).toBe(true)
        await kept.store.enqueue([fetchOf(8, 'updated')])
        await kept.store.enqueue([fetchOf(8, 'updated')])
        expect(await kept.store.hasEarlierAdd({ ...at, messageId: 9 })).toBe(false)
      })
    })

    describe('delivery log', () => {
      it('trimHistory deletes the oldest entries before a time, at most `limit` per call, and old minute counts', async () => {
        for (const at of [10, 20, 30, 40, 50]) await h.store.log(entry({ at, messageId: at }))
        await h.store.countEvents([
          { minute: 0, events: 1 },
          { minute: 60_000, events: 2 },
        ])
        expect(await h.store.trimHistory(45, 2)).toBe(2)
        expect((await h.store.listDeliveries()).map((e) => e.at)).toEqual([50, 40, 30])
        expect(await h.store.trimHistory(45, 2)).toBe(2)
        expect(await h.store.trimHistory(45, 2)).toBe(0)
        expect((await h.store.listDeliveries()).map((e) => e.at)).toEqual([50])
        await h.store.trimHistory(60_000, 10)
        expect((await h.store.activity(0)).map((m) => [m.minute, m.events])).toEqual([[60_000, 2]])
      })

      it('lists newest first and filters by portal, message, output and status', async () => {
        await h.store.log(entry({ at: 1, messageId: 1 }))
        await h.store.log(
          entry({ at: 3, messageId: 2, status: 'failed', detail: 'HTTP 500', unverified: true }),
        )
        await h.store.log(entry({ at: 2, portal: 'portal-b', output: 'telegram.ops', status: 'skipped' }))
        await h.store.log(entry({ at: 3, messageId: 1, action: 'send', unverified: false }))

        const all = await h.store.listDeliveries()
        expect(all.map((e) => [e.at, e.messageId, e.action])).toEqual([
          [3, 1, 'send'],
          [3, 2, 'update'],
          [2, 1, 'update'],
          [1, 1, 'update'],
        ])
        expect(all[1]).toEqual(
          entry({ at: 3, messageId: 2, status: 'failed', detail: 'HTTP 500', unverified: true }),
        )
        expect(all[0]?.unverified).toBe(false)

        expect((await h.store.listDeliveries({ portal: 'portal-b' })).map((e) => e.at)).toEqual([2])
        expect((await h.store.listDeliveries({ messageId: 1, portal: 'portal-a' })).map((e) => e.at)).toEqual(
          [3, 1],
        )
        expect((await h.store.listDeliveries({ output: 'telegram.ops' })).map((e) => e.status)).toEqual([
          'skipped',
        ])
        expect((await h.store.listDeliveries({ status: 'failed' })).map((e) => e.messageId)).toEqual([2])
        expect((await h.store.listDeliveries({ limit: 2 })).map((e) => e.action)).toEqual(['send', 'update'])
      })

      it('keeps chat, event time and ref, and filters by chat and time', async () => {
        await h.store.log(entry({ at: 10, chatId: 7, receivedAt: 4, ref: '{"ts":"1.2"}' }))
        await h.store.log(entry({ at: 20, chatId: 8 }))
        await h.store.log(entry({ at: 30, chatId: 7 }))
        const [oldest] = await h.store.listDeliveries({ chatId: 7, until: 15 })
        expect(oldest).toEqual(entry({ at: 10, chatId: 7, receivedAt: 4, ref: '{"ts":"1.2"}' }))
        expect((await h.store.listDeliveries({ chatId: 7 })).map((e) => e.at)).toEqual([30, 10])
        expect((await h.store.listDeliveries({ since: 15, until: 25 })).map((e) => e.at)).toEqual([20])
      })

      it('sums events, reads, deliveries and latency per minute', async () => {
        const m0 = 1_700_000_040_000 // a whole minute
        await h.store.countEvents([
          { minute: m0 + 5, events: 3 },
          { minute: m0 + 60_000, events: 1 },
        ])
        await h.store.countEvents([{ minute: m0, events: 2 }])
        await h.store.log(entry({ at: m0 + 1, output: '-', action: 'read' }))
        await h.store.log(entry({ at: m0 + 2, output: '-', action: 'read', status: 'failed' }))
        for (let i = 1; i <= 20; i++) await h.store.log(entry({ at: m0 + 100 * i, receivedAt: m0 }))
        await h.store.log(entry({ at: m0 + 3, status: 'failed' }))
        await h.store.log(entry({ at: m0 + 60_001 })) // no receivedAt: counted, no latency
        expect(await h.store.activity(m0 - 120_000)).toEqual([
          { minute: m0, events: 5, reads: 2, deliveries: 20, latencyP50: 1000, latencyP95: 1900 },
          { minute: m0 + 60_000, events: 1, reads: 0, deliveries: 1 },
        ])
        expect(await h.store.activity(m0 + 60_000)).toHaveLength(1)
      })

      it('returns at most 100 entries unless asked for more', async () => {
        for (let at = 1; at <= 120; at++) await h.store.log(entry({ at }))
        const recent = await h.store.listDeliveries()
        expect(recent).toHaveLength(100)
        expect(recent[0]?.at).toBe(120)
        expect(await h.store.listDeliveries({ limit: 500 })).toHaveLength(120)
      })
    })

    describe('portal credentials', () => {
      it('stores, lists and replaces a portal record, both tokens together', async () => {
        expect(await h.store.listPortals()).toEqual([])
        expect(await h.store.getPortal('member-a')).toBeUndefined()
        await h.store.savePortal(credentials())
        await h.store.savePortal(
          credentials({ memberId: 'member-b', domain: 'b.bitrix24.com', installedAt: 1_700_000_000_001 }),
        )
        expect(await h.store.getPortal('member-a')).toEqual(credentials())

        const refreshed = credentials({
          accessToken: 'access-a-2',
          refreshToken: 'refresh-a-2',
          offlineProcessId: 'p1',
          status: 'needs-reinstall',
          statusReason: 'invalid_grant',
        })
        await h.store.savePortal(refreshed)
        expect(await h.store.getPortal('member-a')).toEqual(refreshed)
        expect((await h.store.listPortals()).map((p) => p.memberId)).toEqual(['member-a', 'member-b'])

        await h.store.savePortal(credentials())
        const back = await h.store.getPortal('member-a')
        expect(back?.offlineProcessId).toBeUndefined()
        expect(back?.statusReason).toBeUndefined()
      })

      it('removes a portal with its pending jobs, keeping mirrors unless asked to purge them', async () => {
        await h.store.savePortal(credentials())
        await h.store.savePortal(credentials({ memberId: 'member-b' }))
        await h.store.enqueue([
          job('member-a:1', {}, { group: 'member-a' }),
          job('member-a:2', {}, { group: 'member-a' }),
          job('member-b:1', {}, { group: 'member-b' }),
          job('member-a:1:slack', {}, { queue: 'deliver', group: 'slack' }),
          job('member-ab:1:slack', {}, { queue: 'deliver', group: 'slack' }),
        ])
        await h.store.saveMirror(mirror({ portal: 'member-a' }))
        await h.store.saveMirror(mirror({ portal: 'member-b' }))

        expect(await h.store.removePortal('member-a')).toEqual({ jobs: 3, mirrors: 0 })
        expect(await h.store.getPortal('member-a')).toBeUndefined()
        expect(await h.store.getPortal('member-b')).toBeDefined()
        expect((await claimAll('fetch')).map((j) => j.key)).toEqual(['member-b:1'])
        expect((await claimAll('deliver')).map((j) => j.key)).toEqual(['member-ab:1:slack'])
        expect(await h.store.getMirror('member-a', 42, 'slack.support')).toBeDefined()

        expect(await h.store.removePortal('member-b', { purgeMirrors: true })).toMatchObject({ mirrors: 1 })
        expect(await h.store.getMirror('member-b', 42, 'slack.support')).toBeUndefined()
        expect(await h.store.getMirror('member-a', 42, 'slack.support')).toBeDefined()
      })

      it('wakeGroup makes the waiting jobs of one group due now', async () => {
        const later = h.clock.now() + 60_000
        await h.store.enqueue([
          job('a1', {}, { group: 'member-a', runAt: later }),
          job('b1', {}, { group: 'member-b', runAt: later }),
        ])
        expect(await claimAll()).toEqual([])
        expect(await h.store.wakeGroup('fetch', 'member-a')).toBe(1)
        expect((await claimAll()).map((j) => j.key)).toEqual(['a1'])
      })

      it('keeps installed portals across close and reopen', async () => {
        await h.store.savePortal(credentials({ offlineProcessId: 'p7' }))
        const store = await h.reopen()
        expect(await store.listPortals()).toEqual([credentials({ offlineProcessId: 'p7' })])
      })
    })

    describe('durability', () => {
      it('keeps jobs, leases, dead letters, mirrors and the log across close and reopen', async () => {
        await h.store.enqueue([job('waiting', { v: 1 }), job('running'), job('dead')])
        const claimed = await h.store.claim('fetch', { limit: 3, leaseMs: 10_000 })
        const byKey = new Map(claimed.map((j) => [j.key, j]))
        await h.store.retry(byKey.get('waiting')!, { runAt: h.clock.now(), error: 'later' })
        await h.store.deadLetter(byKey.get('dead')!, 'bad')
        await h.store.saveMirror(mirror())
        await h.store.log(entry())

        const store = await h.reopen()
        expect(await store.stats('fetch')).toEqual({ pending: 1, leased: 1, dead: 1 })
        expect((await store.claim('fetch', lease)).map((j) => [j.key, j.payload, j.attempts])).toEqual([
          ['waiting', { v: 1 }, 1],
        ])
        h.clock.advance(10_001)
        expect((await store.claim('fetch', lease)).map((j) => j.key)).toEqual(['running'])
        expect((await store.listDead()).map((j) => j.reason)).toEqual(['bad'])
        expect(await store.getMirror('portal-a', 42, 'slack.support')).toEqual(mirror())
        expect(await store.listDeliveries()).toEqual([entry()])
      })

      it('stores and resolves 500 enqueue calls made in one tick', async () => {
        const calls = Array.from({ length: 500 }, (_, n) => h.store.enqueue([job(`m${n}`, { n })]))
        await expect(Promise.all(calls)).resolves.toHaveLength(500)
        expect(await h.store.stats('fetch')).toEqual({ pending: 500, leased: 0, dead: 0 })
        const claimed = await h.store.claim('fetch', { limit: 1_000, leaseMs: 1_000 })
        expect(new Set(claimed.map((j) => (j.payload as { n: number }).n)).size).toBe(500)
      })

      it('answers ping while open', async () => {
        expect(await h.store.ping()).toBe(true)
      })
    })
  })
}
