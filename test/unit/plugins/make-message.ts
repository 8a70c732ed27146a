import type { MirrorMessage } from '../../../src/model.js'

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
