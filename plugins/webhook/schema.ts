import type { JSONSchemaType } from 'ajv'

export interface WebhookOptions {
  /** Receiver address (http or https). */
  url: string
  /** Shared secret: the body is signed with HMAC-SHA256 (`X-Openline-Signature: sha256=<hex>`). */
  secret?: string
  /** Extra request headers (e.g. an Authorization header the receiver expects). */
  headers?: Record<string, string>
  /** Request timeout, including reading the reply. */
  timeoutMs?: number
  /** Also send `html`: the message rendered as simple, escaped HTML. */
  includeHtml?: boolean
}

export const webhookDefaults = { timeoutMs: 10_000, includeHtml: false } as const

export const webhookSchema: JSONSchemaType<WebhookOptions> = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: {
      type: 'string',
      pattern: '^https?://[^\\s/]+',
      description: 'Receiver address; each created, edited or deleted message is POSTed here as JSON.',
    },
    secret: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description:
        'Shared secret; the raw body is signed with HMAC-SHA256 in `X-Openline-Signature: sha256=<hex>`.',
    },
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      required: [],
      nullable: true,
      description:
        'Extra request headers, e.g. an `Authorization` the receiver expects (take its value from the environment).',
    },
    timeoutMs: {
      type: 'integer',
      minimum: 100,
      default: webhookDefaults.timeoutMs,
      nullable: true,
      description: 'Give up on a request after this many milliseconds (then retried with backoff).',
    },
    includeHtml: {
      type: 'boolean',
      default: webhookDefaults.includeHtml,
      nullable: true,
      description: 'Also send `html`, the message rendered as simple escaped HTML.',
    },
  },
}
