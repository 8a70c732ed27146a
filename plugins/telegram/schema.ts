import type { JSONSchemaType } from 'ajv'

/** How fast the plugin lets itself call Telegram (https://core.telegram.org/bots/faq#broadcasting-to-users). */
export interface TelegramLimits {
  /** Messages (sends, edits, deletes) per second into one chat. */
  perChatPerSecond?: number
  /** Messages per minute into one group or supergroup (chat ids starting with `-`). */
  perGroupPerMinute?: number
  /** Messages per second for the whole bot, across every chat and output that share the token. */
  perBotPerSecond?: number
  /** A call that would wait longer than this is handed back to the pipeline as `rate-limited`. */
  maxWaitMs?: number
}

export interface TelegramOptions {
  /** Bot token from @BotFather (`123456:ABC…`). */
  token: string
  /** Target chat: numeric id (`-1001234567890` for groups and channels) or `@channelusername`. */
  chatId: string | number
  /** Forum topic to post into (`message_thread_id`). */
  messageThreadId?: number
  /** One thread per Bitrix24 chat: a forum topic, a reply chain under a header, or none. */
  threads?: 'topics' | 'replies' | 'none'
  /** Bot API root; tests point it at a loopback fake, self-hosted Bot API servers use it too. */
  apiRoot?: string
  /** Hide link previews under mirrored messages. */
  disablePreview?: boolean
  /** Text after an edited message; defaults to the bridge's `policy.editMarker`. */
  editMarker?: string
  /** Start each message with the operator's name in bold. */
  showAuthor?: boolean
  /** Add an "edited HH:MM UTC by <operator>" line under edited messages. */
  showEditedBy?: boolean
  /** Give up on one Bot API request after this many milliseconds (then retried with backoff). */
  timeoutMs?: number
  limits?: TelegramLimits
}

export const telegramDefaults = {
  apiRoot: 'https://api.telegram.org',
  disablePreview: true,
  showAuthor: true,
  showEditedBy: false,
  threads: 'replies' as 'topics' | 'replies' | 'none',
  timeoutMs: 30_000,
  limits: { perChatPerSecond: 1, perGroupPerMinute: 20, perBotPerSecond: 30, maxWaitMs: 20_000 },
} as const

const positive = (description: string, fallback: number) =>
  ({ type: 'number', exclusiveMinimum: 0, default: fallback, nullable: true, description }) as const

export const telegramSchema: JSONSchemaType<TelegramOptions> = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'chatId'],
  properties: {
    token: {
      type: 'string',
      minLength: 1,
      description: 'Bot token from @BotFather, e.g. `${TELEGRAM_BOT_TOKEN}` (keep it out of the file).',
    },
    chatId: {
      // ajv's JSONSchemaType cannot spell a string|number union; the schema itself is plain draft-07.
      type: ['string', 'integer'] as unknown as 'string',
      minLength: 1,
      description:
        'Target chat: numeric id (groups and channels start with `-100`) or `@channelusername` of a public channel.',
    } as JSONSchemaType<TelegramOptions>['properties']['chatId'],
    threads: {
      type: 'string',
      enum: ['topics', 'replies', 'none'],
      default: 'replies',
      nullable: true,
      description:
        "One thread per Bitrix24 chat. `topics`: a forum topic per chat, named from its header (`createForumTopic`; the chat must be a forum supergroup and the bot an admin with Manage topics); renamed when the title changes, the previous session's topic closed. `replies`: a header message per chat, every message replies to it. `none`: every message stands alone.",
    },
    messageThreadId: {
      type: 'integer',
      minimum: 1,
      nullable: true,
      description: 'Forum topic id (`message_thread_id`) to post into, in a supergroup with topics enabled.',
    },
    apiRoot: {
      type: 'string',
      pattern: '^https?://[^\\s/]+',
      default: telegramDefaults.apiRoot,
      nullable: true,
      description: 'Bot API root; change it for a self-hosted Bot API server (tests use a loopback fake).',
    },
    disablePreview: {
      type: 'boolean',
      default: telegramDefaults.disablePreview,
      nullable: true,
      description: 'Hide link previews under mirrored messages.',
    },
    editMarker: {
      type: 'string',
      nullable: true,
      description: 'Text after an edited message (empty: none); defaults to `policy.editMarker`.',
    },
    showAuthor: {
      type: 'boolean',
      default: telegramDefaults.showAuthor,
      nullable: true,
      description: 'Start each message with the operator name in bold (`Anna Petrova:`).',
    },
    showEditedBy: {
      type: 'boolean',
      default: telegramDefaults.showEditedBy,
      nullable: true,
      description: 'Add an `edited HH:MM UTC by <operator>` line under edited messages.',
    },
    timeoutMs: {
      type: 'integer',
      minimum: 100,
      default: telegramDefaults.timeoutMs,
      nullable: true,
      description: 'Give up on one Bot API request after this many milliseconds (then retried with backoff).',
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      required: [],
      nullable: true,
      default: {},
      description: "Pacing that keeps the bot under Telegram's limits instead of bouncing off them.",
      properties: {
        perChatPerSecond: positive(
          'Sends, edits and deletes per second into one chat.',
          telegramDefaults.limits.perChatPerSecond,
        ),
        perGroupPerMinute: positive(
          'Messages per minute into one group (chat id starting with `-`).',
          telegramDefaults.limits.perGroupPerMinute,
        ),
        perBotPerSecond: positive(
          'Messages per second for the whole bot, shared by every output using the same token.',
          telegramDefaults.limits.perBotPerSecond,
        ),
        maxWaitMs: {
          type: 'integer',
          minimum: 0,
          default: telegramDefaults.limits.maxWaitMs,
          nullable: true,
          description:
            'A call that would wait longer than this is handed back to the pipeline as rate-limited (keeps jobs within their lease).',
        },
      },
    },
  },
}
