import type { Logger } from 'pino'
import { formatPath } from '../../src/config/problems.js'
import type { OutputState } from '../../src/plugins/api.js'
import type { ChatId } from './client.js'

const KEY = 'chatMoves'

/**
 * Groups this output saw upgraded to supergroups (old id → new id), kept in the bridge's store so
 * the next send, also after a restart, goes to the new chat at once. The advice to update the
 * config is logged once per move (and once at start while the config still names an old chat).
 */
export interface ChatMoves {
  /** Where messages for `chatId` go now (follows a chain of moves). */
  resolve(chatId: ChatId): Promise<ChatId>
  /** Whether `chatId` is a group that moved (its old messages stay in it). */
  moved(chatId: ChatId): Promise<number | undefined>
  record(from: ChatId, to: number): Promise<void>
  /** At start: remind that the configured chat moved. */
  remind(configured: ChatId): Promise<void>
}

export function createChatMoves(state: OutputState, output: string, logger: Logger): ChatMoves {
  let loaded: Promise<Record<string, number>> | undefined
  const load = () => {
    loaded ??= state
      .get(KEY)
      .then((value) =>
        value !== null && typeof value === 'object' ? { ...(value as Record<string, number>) } : {},
      )
    return loaded
  }
  const advise = (from: ChatId, to: number, what: string) =>
    logger.warn(
      { chatId: from, newChatId: to },
      `Telegram group ${from} was upgraded to the supergroup ${to}; ${what}: set ${formatPath(['outputs', output, 'chatId'])} to ${to} in the config`,
    )

  const resolve = async (chatId: ChatId): Promise<ChatId> => {
    const moves = await load()
    let current: ChatId = chatId
    // A chain (a group upgraded twice over its life) ends; a loop is cut after a few hops.
    for (let hop = 0; hop < 5 && moves[String(current)] !== undefined; hop += 1) {
      current = moves[String(current)]!
    }
    return current
  }

  return {
    resolve,
    async moved(chatId) {
      return (await load())[String(chatId)]
    },
    async record(from, to) {
      const moves = await load()
      if (moves[String(from)] === to) return
      moves[String(from)] = to
      await state.set(KEY, moves)
      advise(from, to, 'mirrors go there from now on')
    },
    async remind(configured) {
      const now = await resolve(configured)
      if (now !== configured) advise(configured, Number(now), 'mirrors go there')
    },
  }
}
