import type { MirrorMessage } from '../../src/model.js'
import { definePlugin, type ExternalRef } from '../../src/plugins/api.js'
import { type ConsoleAction, formatConversation, formatJson, formatText } from './format.js'
import { type ConsoleOptions, consoleDefaults, consoleSchema } from './schema.js'

/** The console mirror's ref: the number of the block that showed the message first. */
export interface ConsoleRef {
  seq: number
}

function seqOf(ref: ExternalRef): number | undefined {
  const seq = (ref as Partial<ConsoleRef> | null)?.seq
  return typeof seq === 'number' ? seq : undefined
}

/** Prints every mirrored message to stdout/stderr: the demo output and a debugging aid. */
export default definePlugin<ConsoleOptions>({
  type: 'console',
  configSchema: consoleSchema,
  create(options, context) {
    const format = options.format ?? consoleDefaults.format
    const stream = (options.stream ?? consoleDefaults.stream) === 'stderr' ? process.stderr : process.stdout
    let counter = 0

    const write = (action: ConsoleAction, msg: MirrorMessage, seq: number | undefined): void => {
      const block =
        format === 'json' ? formatJson(action, msg, seq) : formatText(action, msg, context.policy.editMarker)
      stream.write(block)
    }

    return {
      id: context.id,
      capabilities: { edit: true, delete: true },
      async send(msg, conversation) {
        counter += 1
        // A chat's first message (or the first of a new session) opens its conversation: its title
        // is printed once, and the block number of that first message names the conversation.
        if (conversation !== undefined && msg.conversation !== undefined && conversation.ref === undefined) {
          await conversation.save({ seq: counter } satisfies ConsoleRef)
          if (format === 'text') {
            stream.write(formatConversation(msg.conversation, seqOf(conversation.previous)))
          }
        }
        write(msg.kind === 'deleted' ? 'deleted' : 'created', msg, counter)
        return { seq: counter } satisfies ConsoleRef
      },
      async update(ref, msg) {
        write(msg.kind === 'deleted' ? 'deleted' : 'updated', msg, seqOf(ref))
        return ref
      },
      async delete(ref, msg) {
        write('deleted', msg, seqOf(ref))
      },
    }
  },
})
