import type { Schema } from 'convict'
import {
  anyString,
  boolean,
  hostPatternList,
  httpOrigin,
  integer,
  list,
  nonEmptyString,
  oneOf,
  optionalBoolean,
  positiveNumber,
  stringList,
  urlPath,
} from './schema-formats.js'
import type { BitrixConfig, BridgeConfig, StorageConfig } from './types.js'

/** `bitrix.app` as convict holds it: empty strings and `null` mean "not set" (see validate-app.ts). */
export interface RawAppSettings {
  clientId: string
  clientSecret: string
  allowInstall: boolean | null
  allowedDomains: string[]
  oauthServer: string
}

/** Settings convict owns; `outputs` and `routes` are validated on their own (per plugin, per route). */
export type CoreSettings = Omit<BridgeConfig, 'outputs' | 'routes' | 'bitrix' | 'storage'> & {
  bitrix: Omit<BitrixConfig, 'app'> & { app: RawAppSettings }
  storage: Omit<StorageConfig, 'encryptionKey'> & { encryptionKey: string }
}

/**
 * Where a forged event must never make the bridge send a request or a token, unless listed:
 * Bitrix24 cloud portal domains and the OAuth servers (BITRIX24.md §2).
 */
export const DEFAULT_ALLOWED_HOSTS = [
  '*.bitrix24.com',
  '*.bitrix24.net',
  '*.bitrix24.ru',
  '*.bitrix24.by',
  '*.bitrix24.kz',
  '*.bitrix24.ua',
  '*.bitrix24.de',
  '*.bitrix24.eu',
  '*.bitrix24.es',
  '*.bitrix24.fr',
  '*.bitrix24.it',
  '*.bitrix24.pl',
  '*.bitrix24.uk',
  '*.bitrix24.in',
  '*.bitrix24.jp',
  '*.bitrix24.cn',
  '*.bitrix24.id',
  '*.bitrix24.vn',
  '*.bitrix24.com.br',
  '*.bitrix24.com.tr',
  'oauth.bitrix.info',
  'oauth.bitrix24.tech',
]

export const DEFAULT_EVENTS = ['ONOPENLINEMESSAGEUPDATE', 'ONOPENLINEMESSAGEADD', 'ONOPENLINEMESSAGEDELETE']

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * The core settings with defaults and docs. No `env`/`arg` entries on purpose: `${VAR}`
 * interpolation has already happened, and core code never reads process.env or argv.
 */
export const coreSchema: Schema<CoreSettings> = {
  server: {
    host: { doc: 'Interface to listen on.', format: nonEmptyString, default: '0.0.0.0' },
    port: { doc: 'TCP port to listen on (0 = any free port).', format: integer(0, 65535), default: 8080 },
    path: {
      doc: 'URL path Bitrix24 posts events to (the handler URL you bind).',
      format: urlPath,
      default: '/bitrix/events',
    },
    bodyLimit: {
      doc: 'Largest accepted request body, in bytes (larger → 413).',
      format: integer(1),
      default: 262144,
    },
    parameterLimit: { doc: 'Most keys accepted in one form body.', format: integer(1), default: 1000 },
    depth: { doc: 'Deepest bracket nesting accepted in a form body key.', format: integer(1), default: 8 },
    installPath: {
      doc: "Path a local application's install callback posts ONAPPINSTALL to (OAuth mode; also accepted on server.path).",
      format: urlPath,
      default: '/bitrix/install',
    },
    headersTimeoutMs: {
      doc: 'Time a client has to send its request headers, from its first byte, in ms; a slower client is disconnected (at most requestTimeoutMs).',
      format: integer(1),
      default: 10000,
    },
    requestTimeoutMs: {
      doc: 'Time a client has to send the whole request, body included, in ms; a slower client is answered 408 and disconnected.',
      format: integer(1),
      default: 30000,
    },
    maxConnectionsPerIp: {
      doc: 'Most connections open at once from one remote address (0 = no cap); more are closed at once. Connections from server.trustProxy addresses are not capped.',
      format: integer(0),
      default: 64,
    },
    trustProxy: {
      doc: 'Reverse proxies in front of the bridge (IP addresses or CIDRs): X-Forwarded-For from them is believed and their connections are not capped per address (the proxy must cap its clients).',
      format: stringList(
        /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/,
        'IP addresses or CIDRs such as 10.0.0.5 or 10.0.0.0/8',
      ),
      default: [],
    },
    admin: {
      host: {
        doc: 'Interface the admin listener (/metrics, /readyz details, status console) listens on; keep it private.',
        format: nonEmptyString,
        default: '127.0.0.1',
      },
      port: {
        doc: 'TCP port of the admin listener (0 = any free port).',
        format: integer(0, 65535),
        default: 9464,
      },
      token: {
        doc: 'Token that logs in to the status console (empty = console disabled); set it from the environment.',
        format: anyString,
        default: '',
        sensitive: true,
      },
    },
  },
  storage: {
    driver: {
      doc: 'Storage engine: sqlite (embedded, one instance) or postgres (shared by any number of instances).',
      format: oneOf(['sqlite', 'postgres']),
      default: 'sqlite',
    },
    path: {
      doc: 'SQLite database file (relative to the working directory).',
      format: nonEmptyString,
      default: './data/bridge.db',
    },
    url: {
      doc: 'postgres driver: connection URL, postgres://user:password@host:5432/database (e.g. ${DATABASE_URL}).',
      format: anyString,
      default: '',
      sensitive: true,
    },
    poolSize: {
      doc: 'postgres driver: connections each instance opens at most (plus one that LISTENs for new jobs).',
      format: integer(1, 1000),
      default: 10,
    },
    synchronous: {
      doc: 'When a commit counts as stored: full = synced to disk before Bitrix24 gets its 200 (survives power loss; one fsync per group of requests, off the event loop); normal = survives a crash of the bridge but a power loss may drop the last acknowledged events.',
      format: oneOf(['full', 'normal']),
      default: 'full',
    },
    historyDays: {
      doc: 'Days the delivery log (deliveries command, console timelines) and the per-minute event counts are kept; older entries are deleted every hour; 0 = kept for ever. Mirrors, chats and dead letters are never trimmed.',
      format: integer(0, 36500),
      default: 30,
    },
    encryptionKey: {
      doc: 'Key for tokens at rest (AES-256-GCM): 32 bytes as 64 hex characters or base64; empty = stored in plain text.',
      format: anyString,
      default: '',
      sensitive: true,
    },
  },
  bitrix: {
    app: {
      clientId: {
        doc: 'OAuth mode: client_id (application code) of your Bitrix24 application.',
        format: anyString,
        default: '',
      },
      clientSecret: {
        doc: 'OAuth mode: client_secret (application key) of your Bitrix24 application.',
        format: anyString,
        default: '',
        sensitive: true,
      },
      allowInstall: {
        doc: 'Accept ONAPPINSTALL from portals not seen before (default: true in OAuth mode).',
        format: optionalBoolean,
        default: null,
      },
      allowedDomains: {
        doc: 'Only these portal domains may install (empty = any portal on an allowed host).',
        format: stringList(),
        default: [],
      },
      oauthServer: {
        doc: 'The Bitrix24 OAuth server (origin): installs are proven and tokens refreshed there only, never at a server an event names.',
        format: httpOrigin,
        default: 'https://oauth.bitrix.info',
      },
    },
    allowedHosts: {
      doc: "Hosts the bridge may send requests and tokens to besides a stored portal's domain: *.example.com, host, host:port (http only with a port).",
      format: hostPatternList,
      default: DEFAULT_ALLOWED_HOSTS,
    },
    delivery: {
      doc: 'How open-line events arrive: online (posted to the handler), offline (pulled from the offline queue) or both.',
      format: oneOf(['online', 'offline', 'both']),
      default: 'online',
    },
    offlinePollSeconds: {
      doc: 'How often the offline event queue is pulled (delivery offline or both), in seconds.',
      format: integer(1),
      default: 60,
    },
    onUninstall: {
      doc: "What ONAPPUNINSTALL does to the portal's mirror map: keep or purge (credentials are always removed).",
      format: oneOf(['keep', 'purge']),
      default: 'keep',
    },
    files: {
      doc: 'How files are linked: link (the Bitrix24 page, which needs a Bitrix24 login) or public-link (also a public link from disk.file.getExternalLink; needs the disk scope; anyone with the link can open the file).',
      format: oneOf(['link', 'public-link']),
      default: 'link',
    },
    portals: {
      doc: 'Portals served: [{domain, memberId?, applicationToken, webhookUrl?}].',
      format: list,
      default: [],
    },
    rateLimit: {
      burst: {
        doc: 'REST requests allowed back to back per portal (leaky bucket size).',
        format: integer(1),
        default: 50,
      },
      perSecond: {
        doc: 'REST requests per second per portal once the bucket is full.',
        format: positiveNumber,
        default: 2,
      },
    },
    connectors: {
      doc: 'Connectors to handle (e.g. telegrambot); empty = all.',
      format: stringList(),
      default: [],
    },
    events: {
      doc: 'Event types to handle and bind.',
      format: stringList(/^[A-Z][A-Z0-9_]*$/, 'upper-case event names such as ONOPENLINEMESSAGEUPDATE'),
      default: DEFAULT_EVENTS,
    },
    timeoutMs: { doc: 'Timeout of one REST request, in ms.', format: integer(1), default: 10000 },
    connectTimeoutMs: {
      doc: 'Time allowed to open a connection to a portal or the OAuth server (DNS, TCP, TLS), in ms; a host that does not answer fails after this long, not after the request timeout.',
      format: integer(1),
      default: 5000,
    },
    batchTimeoutMs: {
      doc: 'Timeout of one `batch` request (up to 50 reads), in ms; Bitrix24 cloud allows 60 s.',
      format: integer(1),
      default: 60000,
    },
    retries: {
      doc: 'Retries inside one REST call (503/429/5xx/timeout) before the job is retried later.',
      format: integer(0),
      default: 3,
    },
  },
  policy: {
    missingOriginal: {
      doc: 'When the mirrored original is missing or too old to edit.',
      format: oneOf(['send-new', 'skip']),
      default: 'send-new',
    },
    editMarker: {
      doc: 'Marker outputs add to edited messages ("" = none).',
      format: anyString,
      default: '(edited)',
    },
    deleted: {
      doc: 'What a deleted message does to its mirrors.',
      format: oneOf(['strike', 'delete', 'ignore']),
      default: 'strike',
    },
  },
  pipeline: {
    maxAttempts: {
      doc: 'Attempts per job before it is dead-lettered; a lease that ran out (the process crashed, was killed or hung while the job ran) counts as one.',
      format: integer(1),
      default: 10,
    },
    maxAgeSeconds: {
      doc: 'Jobs older than this are dead-lettered, in seconds.',
      format: integer(1),
      default: 86400,
    },
    leaseSeconds: {
      doc: 'How long a worker holds a claimed job before others may take it.',
      format: integer(1),
      default: 60,
    },
    pollIntervalMs: {
      doc: 'Safety-net poll of idle workers, in ms: commits and run times wake them at once; the poll finds work nobody announced (another process, an expired lease).',
      format: integer(1),
      default: 1000,
    },
    backoffBaseMs: {
      doc: 'First retry delay, doubled per attempt, in ms.',
      format: integer(0),
      default: 1000,
    },
    backoffMaxMs: { doc: 'Longest retry delay, in ms.', format: integer(0), default: 300000 },
    batchSize: {
      doc: 'Messages read per Bitrix24 batch call (Bitrix allows 50).',
      format: integer(1, 50),
      default: 50,
    },
    outputConcurrency: { doc: 'Deliveries in flight per output.', format: integer(1), default: 4 },
    maxPendingPerPortal: {
      doc: 'Most events one portal may have waiting to be mirrored; over it its events are refused with 503 (BRG_ERR_PORTAL_QUEUE_FULL) so one portal cannot starve the others or fill the disk.',
      format: integer(1),
      default: 10000,
    },
    maxReplyBytes: {
      doc: 'Largest reply read from any service the bridge calls (Bitrix24 REST, the OAuth server, webhook outputs, plugins through context.fetch), in bytes; a longer one is refused (BRG_ERR_REPLY_TOO_LARGE).',
      format: integer(1024),
      default: 16 * 1024 * 1024,
    },
    coalesceWindowMs: {
      doc: 'How long a new event waits before its message is read, so quick successive edits become one read and one update.',
      format: integer(0),
      default: 250,
    },
    orderWaitMs: {
      doc: "How long a chat's message waits for an earlier message of the same chat still on its way (and an edit for its message's add) before it is delivered anyway, in ms.",
      format: integer(0),
      default: 5000,
    },
    sessionThreads: {
      doc: "A returning customer's new open-line session: `new` opens a new thread that links back to the previous one, `same` continues the chat's thread.",
      format: oneOf(['new', 'same']),
      default: 'new',
    },
  },
  log: {
    level: { doc: 'Log level.', format: oneOf(LOG_LEVELS), default: 'info' },
    pretty: { doc: 'Human-readable logs instead of JSON lines.', format: boolean, default: false },
  },
}
