import { randomUUID } from 'node:crypto'
import type { BridgeConfig } from '../config/types.js'
import { BridgeError, codedMessage, ErrorCodes } from '../errors.js'
import type { MirrorMessage } from '../model.js'
import { createLogger } from '../observability/logger.js'
import { struckMessage } from '../pipeline/build-mirror-message.js'
import type { ExternalRef, OutputPlugin } from '../plugins/api.js'
import { createOutputs } from '../plugins/registry.js'
import { parseBbCode } from '../render/parse-bbcode.js'
import { renderPlain } from '../render/render-plain.js'
import type { CliIo } from './bind-command.js'
import { loadCliConfig } from './load.js'

export interface SendTestOptions {
  config?: string
  output: string
  text?: string
}

const defaultText = 'openline-bridge send-test: if you can read this, the output [b]works[/b].'

/** A message as the pipeline would build it, from BB-code, outside any portal. */
function testMessage(bbcode: string, kind: MirrorMessage['kind'], messageId: number): MirrorMessage {
  const ast = parseBbCode(bbcode)
  return {
    portal: 'send-test',
    domain: 'send-test.invalid',
    connector: 'send-test',
    line: 0,
    chatId: 0,
    messageId,
    author: { id: 0, name: 'openline-bridge' },
    ast,
    plainText: renderPlain(ast),
    bbcode,
    files: [],
    editedAt: new Date().toISOString(),
    kind,
  }
}

/** Only the named output, so a broken neighbour in the config cannot fail this check. */
async function createOne(config: BridgeConfig, id: string, cwd: string): Promise<OutputPlugin> {
  const output = config.outputs[id]
  if (output === undefined) {
    const known = Object.keys(config.outputs)
    throw new BridgeError(
      ErrorCodes.OUTPUT_UNKNOWN,
      `no output "${id}" in the config; outputs: ${known.length === 0 ? '(none)' : known.join(', ')}`,
      { kind: 'config' },
    )
  }
  const outputs = await createOutputs(
    { [id]: output },
    {
      cwd,
      logger: createLogger({ level: 'warn', destination: process.stderr }),
      fetch: globalThis.fetch,
      policy: config.policy,
      maxReplyBytes: config.pipeline.maxReplyBytes,
    },
  )
  return outputs.get(id)!
}

/**
 * `openline-bridge send-test --output <id>`: start the output (its credential check), send a test
 * message, edit it, delete it where the output can, and print each step with its ref. The fastest
 * way to check a Slack token's scopes or a Telegram bot's rights in the chat. Exit code 1 when a
 * step fails.
 */
export async function sendTestCommand(options: SendTestOptions, io: CliIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout
  const cwd = io.cwd ?? process.cwd()
  const { config } = await loadCliConfig(options.config, io.env, cwd)
  const plugin = await createOne(config, options.output, cwd)
  const text = options.text ?? defaultText
  const messageId = Date.now() % 1_000_000_000
  const say = (line: string) => stdout.write(`${line}\n`)
  const step = async <T>(name: string, run: () => Promise<T>, show: (value: T) => string) => {
    try {
      const value = await run()
      say(`  ok   ${name}${show(value)}`)
      return { ok: true as const, value }
    } catch (err) {
      say(`  FAIL ${name}: ${codedMessage(err)}`)
      process.exitCode = 1
      return { ok: false as const }
    }
  }
  const showRef = (ref: ExternalRef) => `: ref ${JSON.stringify(ref)}`
  say(`send-test ${options.output} (${config.outputs[options.output]?.type}):`)
  try {
    const started = await step(
      'start',
      async () => plugin.start?.(),
      () => (plugin.start ? '' : ' (no check)'),
    )
    if (!started.ok) return
    const sent = await step(
      'send',
      () => plugin.send({ ...testMessage(text, 'added', messageId), idempotencyKey: randomUUID() }),
      showRef,
    )
    if (!sent.ok) return
    let ref = sent.value
    if (plugin.capabilities.edit) {
      const edited = await step(
        'edit',
        () => plugin.update(ref, testMessage(`${text} (edited by send-test)`, 'updated', messageId)),
        showRef,
      )
      if (!edited.ok) return
      ref = edited.value
    } else say('  skip edit: this output cannot edit (each change is sent as a new message)')
    const deleted = testMessage('', 'deleted', messageId)
    if (plugin.capabilities.delete && plugin.delete) {
      const remove = plugin.delete.bind(plugin)
      await step(
        'delete',
        () => remove(ref, deleted),
        () => '',
      )
    } else if (plugin.capabilities.edit) {
      await step(
        'delete (struck through: the output cannot delete)',
        () => plugin.update(ref, struckMessage(deleted, text)),
        showRef,
      )
    } else say('  skip delete: this output can neither delete nor edit')
  } finally {
    await plugin.stop?.()
  }
}
