import type { JSONSchemaType } from 'ajv'

export interface EmailSmtpOptions {
  /** SMTP server host name. */
  host: string
  /** Port; 587 by default, 465 when `secure`. */
  port?: number
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure?: boolean
  auth?: { user: string; pass: string }
  /** Refuse to send unless the server upgrades the connection with STARTTLS. */
  requireTLS?: boolean
  tls?: { rejectUnauthorized?: boolean }
  /** Give up connecting, waiting for the greeting or an idle socket after this long. */
  timeoutMs?: number
  /** Keep connections open and reuse them (nodemailer's pooled transport); `false`: one per mail. */
  pool?: boolean
  /** Connections the pool opens at most, and mails sent at the same time. */
  maxConnections?: number
  /** Mails sent over one pooled connection before it is replaced. */
  maxMessages?: number
  /** At most this many mails per `rateDelta` milliseconds, across the pool's connections. */
  rateLimit?: number
  /** The period `rateLimit` counts in, in milliseconds. */
  rateDelta?: number
}

export interface EmailOptions {
  smtp: EmailSmtpOptions
  /** Sender: `bridge@example.com` or `Open lines <bridge@example.com>`. */
  from: string
  to: string[]
  cc?: string[]
  subjectTemplate?: string
  /** One mail thread per Bitrix24 chat. */
  threads?: boolean
  /** Subject of a chat's thread. */
  threadSubjectTemplate?: string
  /** Edit and delete follow-ups also show the text as it was, struck through. */
  showPrevious?: boolean
  /** Appended to edited text; defaults to the bridge's `policy.editMarker`. */
  editMarker?: string
  showAuthor?: boolean
  showEditedBy?: boolean
  /** Right-hand side of generated Message-IDs; defaults to the domain of `from`. */
  domain?: string
  /** Pause at least this long between two messages (a gentle limit for strict SMTP servers). */
  minIntervalMs?: number
}

export const emailDefaults = {
  subjectTemplate: '[Open line {line} · {connector}] Chat {chatId}',
  threads: true,
  threadSubjectTemplate: '{header}',
  showPrevious: true,
  showAuthor: true,
  showEditedBy: false,
  secure: false,
  timeoutMs: 30_000,
  minIntervalMs: 0,
  pool: true,
  maxConnections: 1,
  maxMessages: 100,
  rateDelta: 1000,
} as const

const count = (description: string, fallback?: number) =>
  ({
    type: 'integer',
    minimum: 1,
    ...(fallback === undefined ? {} : { default: fallback }),
    nullable: true,
    description,
  }) as const

const addressList = (description: string, minItems: number) =>
  ({
    type: 'array',
    items: { type: 'string', minLength: 3, pattern: '@' },
    minItems,
    description,
  }) as const

export const emailSchema: JSONSchemaType<EmailOptions> = {
  type: 'object',
  additionalProperties: false,
  required: ['smtp', 'from', 'to'],
  properties: {
    smtp: {
      type: 'object',
      additionalProperties: false,
      required: ['host'],
      description: 'The SMTP server that relays the mirror messages.',
      properties: {
        host: { type: 'string', minLength: 1, description: 'SMTP server host name, e.g. `smtp.gmail.com`.' },
        port: {
          type: 'integer',
          minimum: 1,
          maximum: 65535,
          nullable: true,
          description: 'Port; 587 by default, 465 with `secure: true`.',
        },
        secure: {
          type: 'boolean',
          default: emailDefaults.secure,
          nullable: true,
          description: '`true` for implicit TLS (port 465); `false` upgrades with STARTTLS when offered.',
        },
        auth: {
          type: 'object',
          additionalProperties: false,
          required: ['user', 'pass'],
          nullable: true,
          description: 'Login; take `pass` from the environment (`${SMTP_PASS}`).',
          properties: {
            user: { type: 'string', minLength: 1 },
            pass: { type: 'string', minLength: 1 },
          },
        },
        requireTLS: {
          type: 'boolean',
          nullable: true,
          description: 'Refuse to send (or log in) unless the server upgrades to TLS with STARTTLS.',
        },
        tls: {
          type: 'object',
          additionalProperties: false,
          required: [],
          nullable: true,
          properties: {
            rejectUnauthorized: {
              type: 'boolean',
              nullable: true,
              description: '`false` accepts a self-signed server certificate (internal relays only).',
            },
          },
        },
        timeoutMs: {
          type: 'integer',
          minimum: 100,
          default: emailDefaults.timeoutMs,
          nullable: true,
          description: 'Give up connecting, waiting for the greeting or on an idle socket after this long.',
        },
        pool: {
          type: 'boolean',
          default: emailDefaults.pool,
          nullable: true,
          description:
            'Reuse SMTP connections (nodemailer pooled transport): one TCP+TLS+AUTH handshake for many mails instead of one per mail. `false`: a new connection per mail.',
        },
        maxConnections: count(
          'Pooled connections opened at most; also how many mails are sent at the same time.',
          emailDefaults.maxConnections,
        ),
        maxMessages: count(
          'Mails sent over one pooled connection before it is closed and a new one opened.',
          emailDefaults.maxMessages,
        ),
        rateLimit: count(
          'At most this many mails per `rateDelta` milliseconds, shared by the pooled connections (none by default).',
        ),
        rateDelta: count('The period `rateLimit` counts in, in milliseconds.', emailDefaults.rateDelta),
      },
    },
    from: {
      type: 'string',
      pattern: '@',
      description: 'Sender: `bridge@example.com` or `Open lines <bridge@example.com>`.',
    },
    to: addressList('Recipients (at least one).', 1),
    cc: { ...addressList('Copy recipients.', 0), nullable: true },
    subjectTemplate: {
      type: 'string',
      minLength: 1,
      default: emailDefaults.subjectTemplate,
      nullable: true,
      description:
        'Subject of a new thread; placeholders {line} {connector} {chatId} {portal} {domain} {messageId}. Follow-ups keep the subject their thread started with.',
    },
    threads: {
      type: 'boolean',
      default: emailDefaults.threads,
      nullable: true,
      description:
        "One mail thread per Bitrix24 chat: every message of the chat has the thread's subject and In-Reply-To/References naming the chat's first mail. false: one thread per message (subjectTemplate).",
    },
    threadSubjectTemplate: {
      type: 'string',
      minLength: 1,
      default: emailDefaults.threadSubjectTemplate,
      nullable: true,
      description:
        "Subject of a chat's thread (with threads); placeholders {header} (`Telegram · Line 128 · Ivan Petrov`) {title} {customer} and those of subjectTemplate.",
    },
    showPrevious: {
      type: 'boolean',
      default: emailDefaults.showPrevious,
      nullable: true,
      description: 'Edit and delete follow-ups also show the previous text, struck through.',
    },
    editMarker: {
      type: 'string',
      nullable: true,
      description: 'Appended to edited text; defaults to `policy.editMarker` ("(edited)"). Empty: none.',
    },
    showAuthor: {
      type: 'boolean',
      default: emailDefaults.showAuthor,
      nullable: true,
      description: "Start the body with the author's name.",
    },
    showEditedBy: {
      type: 'boolean',
      default: emailDefaults.showEditedBy,
      nullable: true,
      description: 'Add an "edited HH:MM UTC by <operator>" line to follow-ups.',
    },
    domain: {
      type: 'string',
      pattern: '^[A-Za-z0-9.-]+$',
      nullable: true,
      description: 'Right-hand side of generated Message-IDs; defaults to the domain of `from`.',
    },
    minIntervalMs: {
      type: 'integer',
      minimum: 0,
      default: emailDefaults.minIntervalMs,
      nullable: true,
      description: 'Pause at least this long between two messages (for servers that limit the rate).',
    },
  },
}
