import { definePlugin, OutputError } from '../../src/plugins/api.js'

interface Options {
  url: string
}

interface Ref {
  ts: string
}

/**
 * A minimal Slack-like output plugin for the benchmarks, loaded by path from the config
 * (`type: <abs path>/bench/support/slack-like-output.ts`) like any third-party plugin: send posts
 * `chat.postMessage`, update posts `chat.update` with the stored `ts`, both to a FakeSlack.
 */
export default definePlugin<Options>({
  type: 'bench-slack-like',
  configSchema: {
    type: 'object',
    properties: { url: { type: 'string', description: 'FakeSlack base URL' } },
    required: ['url'],
    additionalProperties: false,
  },
  create(options, context) {
    async function call(method: string, body: object): Promise<Ref> {
      let res: Response
      try {
        res = await context.fetch(`${options.url}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      } catch (err) {
        throw new OutputError('transient', `fake slack unreachable: ${String(err)}`, { cause: err })
      }
      const json = (await res.json()) as { ok: boolean; ts?: string }
      if (!res.ok || !json.ok || json.ts === undefined) {
        throw new OutputError('transient', `fake slack answered ${res.status}`)
      }
      return { ts: json.ts }
    }
    return {
      id: context.id,
      capabilities: { edit: true, delete: false },
      send: (msg) => call('chat.postMessage', { messageId: msg.messageId, text: msg.plainText }),
      update: (ref, msg) =>
        call('chat.update', { ts: (ref as Ref).ts, messageId: msg.messageId, text: msg.plainText }),
    }
  },
})
