/**
 * Example custom output: appends one JSON line per created, edited or deleted message to a file,
 * and one `conversation` line when a Bitrix24 chat's thread starts (every message line names it).
 *
 *   outputs:
 *     audit.file:
 *       type: ./examples/plugins/file-output.ts     # a path (resolved against the working directory) or a package name
 *       path: ./data/mirror.jsonl
 *
 * In your own project import from the package instead of the relative path (docs/writing-plugins.md):
 *   import { definePlugin, OutputError, type MirrorMessage } from 'openline-bridge/plugin'
 */
import { appendFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import {
  type ConversationContext,
  conversationHeader,
  definePlugin,
  type MirrorMessage,
  OutputError,
} from '../../src/plugin.js'

interface FileOutputOptions {
  /** File to append to; created with its directory when missing. */
  path: string
}

/** The ref this output stores per message: where the first line for it was written, and its thread. */
interface FileRef {
  key: string
  thread?: string
}

/** The ref this output keeps per Bitrix24 chat (its "thread"): the key of the chat's header line. */
interface ThreadRef {
  thread: string
}

export default definePlugin<FileOutputOptions>({
  type: 'file-output',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'File to append JSON lines to.' },
    },
  },
  create(options, context) {
    const file = path.resolve(options.path)

    async function write(line: object): Promise<void> {
      try {
        await appendFile(file, `${JSON.stringify(line)}\n`)
      } catch (err) {
        // A full disk or a missing permission will not fix itself on retry: say so, do not loop.
        throw new OutputError('invalid', `cannot append to ${file}; check the path and its permissions`, {
          cause: err,
        })
      }
    }

    async function append(action: string, msg: MirrorMessage, ref: FileRef): Promise<void> {
      await write({ action, ref, text: msg.plainText, editedAt: msg.editedAt, author: msg.author?.name })
    }

    /**
     * The chat's thread: on its first message (or the first of a new session) write a header line
     * and save its key BEFORE the message itself, so a retry reuses it instead of a second header.
     */
    async function threadOf(
      msg: MirrorMessage,
      conversation?: ConversationContext,
    ): Promise<string | undefined> {
      if (conversation === undefined || msg.conversation === undefined) return undefined
      const known = conversation.ref as ThreadRef | undefined
      if (known !== undefined) return known.thread
      const thread = `${msg.portal}:chat${msg.conversation.chatId}:${msg.messageId}`
      const previous = (conversation.previous as ThreadRef | undefined)?.thread
      await write({
        action: 'conversation',
        thread,
        header: conversationHeader(msg.conversation),
        url: msg.conversation.url,
        previous,
      })
      await conversation.save({ thread } satisfies ThreadRef)
      return thread
    }

    return {
      id: context.id,
      capabilities: { edit: true, delete: true },
      async start() {
        await mkdir(path.dirname(file), { recursive: true })
      },
      async send(msg, conversation) {
        const ref: FileRef = { key: `${msg.portal}:${msg.messageId}` }
        const thread = await threadOf(msg, conversation)
        if (thread !== undefined) ref.thread = thread
        await append('created', msg, ref)
        return ref
      },
      async update(ref, msg) {
        await append('updated', msg, ref as FileRef)
        return ref
      },
      async delete(ref, msg) {
        await append('deleted', msg, ref as FileRef)
      },
    }
  },
})
