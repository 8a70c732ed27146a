import type { PipelineConfig } from '../config/types.js'
import type { MirrorMessage } from '../model.js'
import type { ConversationContext, ExternalRef } from '../plugins/api.js'
import type { ConversationRecord, Store } from '../store/store.js'

export interface ConversationContextDeps {
  store: Store
  config: Pick<PipelineConfig, 'sessionThreads'>
  now: () => number
}

/**
 * The thread one output keeps for the message's chat, as `send` receives it. Under
 * `sessionThreads: new` a message of a newer open-line session than the stored thread's gets no
 * ref (the plugin opens a new thread) and the old thread as `previous`.
 */
export async function conversationContext(
  deps: ConversationContextDeps,
  output: string,
  msg: MirrorMessage,
): Promise<ConversationContext | undefined> {
  const conversation = msg.conversation
  if (conversation === undefined) return undefined
  const { portal, chatId, sessionId } = conversation
  const stored = await deps.store.getConversation(output, portal, chatId)
  const newSession =
    stored !== undefined &&
    sessionId !== undefined &&
    stored.sessionId !== undefined &&
    sessionId > stored.sessionId
  const opensNew = newSession && deps.config.sessionThreads === 'new'
  const record = (ref: ExternalRef, previousRef: unknown): ConversationRecord => {
    const next: ConversationRecord = { output, portal, chatId, ref, updatedAt: deps.now() }
    const session = sessionId ?? stored?.sessionId
    if (session !== undefined) next.sessionId = session
    if (previousRef !== undefined) next.previousRef = previousRef
    return next
  }
  if (stored !== undefined && !opensNew && sessionId !== undefined && stored.sessionId !== sessionId) {
    // The same thread goes on (or had no session yet): remember the session it is in now.
    if (stored.sessionId === undefined || sessionId > stored.sessionId) {
      await deps.store.saveConversation(record(stored.ref, stored.previousRef))
    }
  }
  const previous = opensNew ? stored?.ref : stored?.previousRef
  const context: ConversationContext = {
    ref: opensNew ? undefined : stored?.ref,
    save: (ref) => deps.store.saveConversation(record(ref, previous)),
  }
  return previous === undefined ? context : { ...context, previous }
}
