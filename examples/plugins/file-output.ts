/**
 * Example custom output: appends one JSON line per created, edited or deleted message to a file.
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
import { definePlugin, type MirrorMessage, OutputError } from '../../src/plugin.js'

interface FileOutputOptions {
  /** File to append to; created with its directory when missing. */
  path: string
}

/** The ref this output stores per message: where the first line for it was written. */
interface FileRef {
  key: string
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

    async function append(action: string, msg: MirrorMessage, ref: FileRef): Promise<void> {
      const line = { action, ref, text: msg.plainText, editedAt: msg.editedAt, author: msg.author?.name }
      try {
        await appendFile(file, `${JSON.stringify(line)}\n`)
      } catch (err) {
        // A full disk or a missing permission will not fix itself on retry: say so, do not loop.
        throw new OutputError('invalid', `cannot append to ${file}; check the path and its permissions`, {
          cause: err,
        })
      }
    }

    return {
      id: context.id,
      capabilities: { edit: true, delete: true },
      async start() {
        await mkdir(path.dirname(file), { recursive: true })
      },
      async send(msg) {
        const ref: FileRef = { key: `${msg.portal}:${msg.messageId}` }
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
