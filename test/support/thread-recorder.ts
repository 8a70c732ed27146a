import { randomUUID } from 'node:crypto'
import type { MirrorMessage } from '../../src/model.js'
import type { ConversationContext, ExternalRef, OutputPlugin } from '../../src/plugins/api.js'

export interface RecordedCall {
  op: 'send' | 'update' | 'delete'
  messageId: number
  chatId: number
  text: string
  /** The thread the message went to (undefined: a plugin that ignores conversations). */
  thread?: string
  /** On a thread's first message: the previous thread it links back to. */
  previous?: string
}

/**
 * An in-process output that opens a thread on a chat's first message (saving it through the
 * conversation context) and records every call in order, with the thread it went to.
 * `threads: false` gives a plugin that ignores conversations (its `send` takes one argument).
 */
export function threadRecorder(
  id: string,
  calls: RecordedCall[],
  options: { threads?: boolean; delayMs?: () => number } = {},
): OutputPlugin {
  const pause = () => new Promise((r) => setTimeout(r, options.delayMs?.() ?? 0))
  const record = (op: RecordedCall['op'], msg: MirrorMessage, thread?: string, previous?: string) => {
    const call: RecordedCall = { op, messageId: msg.messageId, chatId: msg.chatId, text: msg.plainText }
    if (thread !== undefined) call.thread = thread
    if (previous !== undefined) call.previous = previous
    calls.push(call)
  }
  const plain: OutputPlugin = {
    id,
    capabilities: { edit: true, delete: true },
    async send(msg) {
      await pause()
      record('send', msg)
      return { id: msg.messageId }
    },
    async update(ref, msg) {
      record('update', msg)
      return ref
    },
    async delete(_ref, msg) {
      record('delete', msg)
    },
  }
  if (options.threads === false) return plain
  return {
    ...plain,
    async send(msg: MirrorMessage, conversation?: ConversationContext): Promise<ExternalRef> {
      let thread = (conversation?.ref as { thread?: string } | undefined)?.thread
      let previous: string | undefined
      if (conversation !== undefined && thread === undefined) {
        thread = `${id}#${randomUUID().slice(0, 8)}:chat${msg.chatId}`
        await conversation.save({ thread })
        previous = (conversation.previous as { thread?: string } | undefined)?.thread
      }
      await pause()
      record('send', msg, thread, previous)
      return { id: msg.messageId, thread }
    },
    async update(ref, msg) {
      record('update', msg, (ref as { thread?: string }).thread)
      return ref
    },
  }
}
