import type { MirrorConversation, MirrorMessage } from '../../../src/model.js'
import type { ConversationContext, ExternalRef } from '../../../src/plugins/api.js'

/** A mirror message as the pipeline builds it, AST written by hand (the parser is tested elsewhere). */
export function makeMessage(overrides: Partial<MirrorMessage> = {}): MirrorMessage {
  return {
    portal: 'demo-member',
    domain: 'demo.bitrix24.com',
    connector: 'telegrambot',
    line: 128,
    chatId: 1024,
    messageId: 2057,
    author: { id: 7, name: 'Anna Petrova' },
    ast: [
      { type: 'text', text: 'Hello, ' },
      { type: 'bold', children: [{ type: 'text', text: 'Ivan' }] },
      { type: 'br' },
      { type: 'text', text: 'see ' },
      { type: 'link', url: 'https://example.com/a?b=1&c=2', children: [{ type: 'text', text: 'the docs' }] },
    ],
    plainText: 'Hello, Ivan\nsee the docs (https://example.com/a?b=1&c=2)',
    bbcode: 'Hello, [b]Ivan[/b][br]see [url=https://example.com/a?b=1&c=2]the docs[/url]',
    files: [],
    editedAt: '2024-05-02T11:33:52.000Z',
    kind: 'updated',
    ...overrides,
  }
}

/** The conversation the pipeline attaches: chat 1024 with Ivan Petrov on Telegram, line 128. */
export function makeConversation(overrides: Partial<MirrorConversation> = {}): MirrorConversation {
  return {
    portal: 'demo-member',
    chatId: 1024,
    connector: 'telegrambot',
    line: 128,
    sessionId: 343,
    title: 'Ivan Petrov - Support',
    customerName: 'Ivan Petrov',
    url: 'https://demo.bitrix24.com/online/?IM_DIALOG=chat1024',
    ...overrides,
  }
}

/** Conversation refs kept in memory the way the bridge keeps them per (output, chat). */
export function memoryThreads() {
  const refs = new Map<number, ExternalRef>()
  return {
    refs,
    /** The context `send` gets for this chat; `previous` as after a new session. */
    context(chatId = 1024, previous?: ExternalRef): ConversationContext {
      const context: ConversationContext = {
        ref: refs.get(chatId),
        save: async (ref) => void refs.set(chatId, ref),
      }
      return previous === undefined ? context : { ...context, previous }
    },
  }
}
