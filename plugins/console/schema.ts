import type { JSONSchemaType } from 'ajv'

export interface ConsoleOptions {
  /** `text`: a readable block per message; `json`: one JSON object per line. */
  format?: 'text' | 'json'
  /** Where to write. */
  stream?: 'stdout' | 'stderr'
}

export const consoleDefaults = { format: 'text', stream: 'stdout' } as const

export const consoleSchema: JSONSchemaType<ConsoleOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: {
      type: 'string',
      enum: ['text', 'json'],
      default: consoleDefaults.format,
      nullable: true,
      description:
        '`text`: a readable block per message; `json`: one JSON object per line (for jq, log shippers).',
    },
    stream: {
      type: 'string',
      enum: ['stdout', 'stderr'],
      default: consoleDefaults.stream,
      nullable: true,
      description: 'Where to write the mirrored messages.',
    },
  },
}
