import { describe, expect, it } from 'vitest'
import type { NormalizedEvent } from '../../../src/model.js'
import { planReads } from '../../../src/pipeline/plan-reads.js'
import type { ChatTable } from '../../../src/pipeline/resolve-conversations.js'

/** Jobs of `perChat` edits in each of `chats` chats, chat after chat. */
function jobs(chats: number, perChat: number) {
  return Array.from({ length: chats * perChat }, (_, i) => {
    const event = { kind: 'updated', chatId: 100 + Math.floor(i / perChat), messageId: i + 1 }
    return { id: String(i + 1), payload: { event: event as NormalizedEvent } }
  })
}

const known = (chatIds: number[]): ChatTable =>
  new Map(chatIds.map((chatId) => [chatId, { portal: 'p', chatId, title: 't', readAt: 0, sessionId: 7 }]))

const commands = (refs: { withChat?: boolean }[]) => refs.reduce((n, r) => n + (r.withChat ? 2 : 1), 0)

describe('planReads', () => {
  it('reads a new chat once, with its first message, and passes the stored session on', () => {
    const plan = planReads(jobs(2, 3), known([101]), { batchSize: 50, packFull: false })
    expect(plan.refs.map((r) => [r.chatId, r.withChat ?? false, r.sessionId])).toEqual([
      [100, true, undefined],
      [100, false, undefined],
      [100, false, undefined],
      [101, false, 7],
      [101, false, 7],
      [101, false, 7],
    ])
  })

  it('reads everything, last batch partial, when nothing else waits', () => {
    const plan = planReads(jobs(20, 10), new Map(), { batchSize: 50, packFull: false })
    expect(plan.read).toHaveLength(200)
    expect(plan.handBack).toEqual([])
  })

  it('stops at the last whole batch when more work waits, and hands the rest back in order', () => {
    const all = jobs(20, 10)
    const plan = planReads(all, new Map(), { batchSize: 50, packFull: true })
    // 18 chats × 11 commands + the 19th chat's first message and chat read = 200 = 4 × 50.
    expect(commands(plan.refs)).toBe(200)
    expect(plan.read).toEqual(all.slice(0, 181))
    expect(plan.handBack).toEqual(all.slice(181))
  })

  it('fills the last command of a batch by swapping a single read for a read with its chat', () => {
    // 49 reads in a stored chat, then 10 in a new one: the prefix stops at 49 commands.
    const all = [
      ...jobs(1, 49),
      ...jobs(2, 10)
        .slice(10)
        .map((j) => ({ ...j, id: `n${j.id}` })),
    ]
    const plan = planReads(all, known([100]), { batchSize: 50, packFull: true })
    expect(commands(plan.refs)).toBe(50)
    expect(plan.read).toEqual([...all.slice(0, 48), all[49]])
    expect(plan.handBack).toEqual([all[48], ...all.slice(50)])
  })

  it('never hands back when not even one batch would be full (many portals share a claim)', () => {
    const plan = planReads(jobs(2, 10), new Map(), { batchSize: 50, packFull: true })
    expect(plan.read).toHaveLength(20)
    expect(plan.handBack).toEqual([])
  })

  it('packs by pipeline.batchSize', () => {
    const plan = planReads(jobs(3, 10), known([100, 101, 102]), { batchSize: 20, packFull: true })
    expect(plan.read).toHaveLength(20)
    expect(plan.handBack).toHaveLength(10)
  })
})
