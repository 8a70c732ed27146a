import type { JSONSchemaType } from 'ajv'

export interface SlackOptions {
  /** Bot token (`xoxb-…`) with `chat:write`. */
  token: string
  /** Channel ID (`C0123ABCD`) or name (`#support`) the mirrors are posted to. */
  channel: string
  /** Web API base URL; tests point it at a loopback fake. */
  apiUrl?: string
  /** Post under this name instead of the app's (needs `chat:write.customize`). */
  username?: string
  /** Post with this avatar (needs `chat:write.customize`). */
  iconUrl?: string
  /** Appended to an edited message; defaults to `policy.editMarker`. */
  editMarker?: string
  /** Start each mirror with a bold `Author:` line. */
  showAuthor?: boolean
  /** Add an "edited HH:MM by <author>" line to edited mirrors. */
  showEditedBy?: boolean
  threads?: boolean
  broadcastFirst?: boolean
  /** Longest text of one Slack message; longer mirrors are split into parts. */
  maxTextLength?: number
  /** Give up on one API request after this many milliseconds (then retried by the pipeline). */
  timeoutMs?: number
  /** Calls per second this output makes to its channel (Slack allows about 1 message per second). */
  ratePerSecond?: number
  /** Calls allowed back to back before `ratePerSecond` applies. */
  burst?: number
}

export const slackDefaults = {
  apiUrl: 'https://slack.com/api/',
  showAuthor: true,
  showEditedBy: false,
  threads: true,
  broadcastFirst: false,
  maxTextLength: 40_000,
  timeoutMs: 10_000,
  ratePerSecond: 1,
  burst: 3,
} as const

export const slackSchema: JSONSchemaType<SlackOptions> = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'channel'],
  properties: {
    token: {
      type: 'string',
      minLength: 1,
      description: 'Bot token (`xoxb-…`) with the `chat:write` scope; take it from the environment.',
    },
    channel: {
      type: 'string',
      minLength: 1,
      description: 'Channel ID (`C0123ABCD`, preferred: it survives renames) or name (`#support`).',
    },
    apiUrl: {
      type: 'string',
      pattern: '^https?://[^\\s/]+',
      default: slackDefaults.apiUrl,
      nullable: true,
      description: "Slack Web API base URL; change it only for tests or a proxy. A missing '/' is added.",
    },
    username: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'Post under this display name (needs the `chat:write.customize` scope).',
    },
    iconUrl: {
      type: 'string',
      pattern: '^https?://',
      nullable: true,
      description: 'Post with this avatar image URL (needs the `chat:write.customize` scope).',
    },
    editMarker: {
      type: 'string',
      nullable: true,
      description: 'Appended to edited mirrors (default: `policy.editMarker`, "(edited)"); "" for none.',
    },
    showAuthor: {
      type: 'boolean',
      default: slackDefaults.showAuthor,
      nullable: true,
      description: 'Start each mirror with the Bitrix24 author in bold.',
    },
    showEditedBy: {
      type: 'boolean',
      default: slackDefaults.showEditedBy,
      nullable: true,
      description: 'Add an "edited HH:MM by <author>" line to edited mirrors.',
    },
    threads: {
      type: 'boolean',
      default: slackDefaults.threads,
      nullable: true,
      description:
        "One thread per Bitrix24 chat: the chat's first message posts a header (`Telegram · Line 128 · Ivan Petrov`, linked to the chat) and every message of the chat replies in its thread. false: every message is a top-level post.",
    },
    broadcastFirst: {
      type: 'boolean',
      default: slackDefaults.broadcastFirst,
      nullable: true,
      description:
        "Also show a thread's first message in the channel (`reply_broadcast`), so a new conversation is seen without opening the thread.",
    },
    maxTextLength: {
      type: 'integer',
      minimum: 200,
      maximum: 40_000,
      default: slackDefaults.maxTextLength,
      nullable: true,
      description: "Longest text of one Slack message (Slack's limit is 40,000); longer mirrors are split.",
    },
    timeoutMs: {
      type: 'integer',
      minimum: 100,
      default: slackDefaults.timeoutMs,
      nullable: true,
      description: 'Give up on one API request after this many milliseconds (then retried with backoff).',
    },
    ratePerSecond: {
      type: 'number',
      exclusiveMinimum: 0,
      default: slackDefaults.ratePerSecond,
      nullable: true,
      description: 'Calls per second to the channel (Slack allows about 1 message per second per channel).',
    },
    burst: {
      type: 'integer',
      minimum: 1,
      default: slackDefaults.burst,
      nullable: true,
      description:
        'Calls allowed back to back before `ratePerSecond` applies (a split message needs several).',
    },
  },
}
