/** The validated, frozen configuration every component reads (never `process.env`). */
export interface PortalConfig {
  /** Portal domain, e.g. `example.bitrix24.com`. */
  domain: string
  /** `auth.member_id`; when absent the portal is matched by domain. */
  memberId?: string
  /** `auth.application_token` to compare every event against. */
  applicationToken: string
  /** Incoming webhook base, `https://<portal>/rest/<user_id>/<code>/`. */
  webhookUrl?: string
}

export interface RateLimitConfig {
  /** Bucket size: requests allowed back to back. */
  burst: number
  /** Drain rate: requests per second once the bucket is full. */
  perSecond: number
}

/** OAuth mode: the bridge is a Bitrix24 application and stores each portal's tokens at install. */
export interface AppConfig {
  clientId: string
  clientSecret: string
  /** Accept ONAPPINSTALL from portals not seen before (default true in OAuth mode). */
  allowInstall: boolean
  /** When not empty, installs are accepted only from these portal domains. */
  allowedDomains: string[]
  /**
   * The OAuth server's origin (`https://oauth.bitrix.info`): installs are proven and tokens
   * refreshed there only, never at an event's `auth.server_endpoint`.
   */
  oauthServer: string
}

/** How open-line events reach the bridge: posted to the handler, pulled from the offline queue, or both. */
export type DeliveryMode = 'online' | 'offline' | 'both'

export interface BitrixConfig {
  /** Present in OAuth mode (`bitrix.app.clientId` and `clientSecret` set). */
  app?: AppConfig
  /** Hosts the bridge may send requests and tokens to besides a stored portal's own domain. */
  allowedHosts: string[]
  delivery: DeliveryMode
  /** How often the offline queue is pulled (offline / both). */
  offlinePollSeconds: number
  /** What ONAPPUNINSTALL does to the portal's mirror map: keep it (default) or purge it. */
  onUninstall: 'keep' | 'purge'
  /**
   * `link`: files are mirrored with their Bitrix24 link (needs a Bitrix24 login); `public-link`:
   * also with a public link (`disk.file.getExternalLink`, scope `disk`), the login link when refused.
   */
  files: 'link' | 'public-link'
  portals: PortalConfig[]
  rateLimit: RateLimitConfig
  /** Connectors to handle; empty = all. */
  connectors: string[]
  /** Event types to handle. */
  events: string[]
  /** REST request timeout (ms). */
  timeoutMs: number
  /** Timeout of a `batch` request (default 60000). */
  batchTimeoutMs: number
  /** Time to open a connection (DNS, TCP, TLS) to a portal or the OAuth server (default 5000). */
  connectTimeoutMs: number
  /** Retries inside one REST call for 503/429/5xx/timeouts before the job is retried later. */
  retries: number
}

export interface ServerConfig {
  host: string
  port: number
  path: string
  bodyLimit: number
  /** Max keys in a form body (qs `parameterLimit`). */
  parameterLimit: number
  /** Max bracket nesting in a form body (qs `depth`). */
  depth: number
  /** Path a local application's install callback posts ONAPPINSTALL to (also accepted on `path`). */
  installPath: string
  /** Time a client has to send the request headers, from its first byte (ms). */
  headersTimeoutMs: number
  /** Time a client has to send the whole request, body included (ms). */
  requestTimeoutMs: number
  /** Most connections open at once from one address; 0 = no cap. Trusted proxies are not capped. */
  maxConnectionsPerIp: number
  /** Reverse proxies (addresses or CIDRs) in front of the bridge: X-Forwarded-For from them is believed. */
  trustProxy: string[]
  /** The private listener: /metrics, /readyz details, the status console. */
  admin: AdminConfig
}

export interface AdminConfig {
  host: string
  port: number
  /** Logs in to the status console; empty = the console is off (the other admin routes still answer). */
  token: string
}

export interface StorageConfig {
  driver: 'sqlite' | 'postgres'
  /** SQLite file (driver sqlite). */
  path: string
  /** Connection URL (driver postgres; always set by the config loader, '' when unused). */
  url?: string
  /** Connections per instance (driver postgres). */
  poolSize?: number
  /** `full`: each commit is synced to disk before the 200; `normal`: crash-safe, not power-loss-safe. */
  synchronous: 'full' | 'normal'
  /** 32-byte key (64 hex chars or base64): tokens are stored encrypted (AES-256-GCM) when set. */
  encryptionKey?: string
  /** Days the delivery log and the per-minute event counts are kept (0: for ever; the loader sets 30). */
  historyDays?: number
}

export interface OutputConfig {
  /** Built-in type (`console`, `webhook`, …), a package name, or a path to a plugin module. */
  type: string
  /** When true a failing `start()` does not stop the bridge. */
  optional: boolean
  /** The plugin's own options (validated by the plugin's schema). */
  options: Record<string, unknown>
}

export interface RouteMatch {
  portal?: string[]
  connector?: string[]
  line?: number[]
  chat?: number[]
}

export interface RouteConfig {
  match: RouteMatch
  to: string[]
}

export interface PolicyConfig {
  /** What to do when the mirrored original is missing or can no longer be edited. */
  missingOriginal: 'send-new' | 'skip'
  /** Marker outputs add to edited messages. */
  editMarker: string
  /** What a deleted message does to its mirror. */
  deleted: 'strike' | 'delete' | 'ignore'
}

export interface PipelineConfig {
  maxAttempts: number
  /** Jobs older than this are dead-lettered (seconds). */
  maxAgeSeconds: number
  leaseSeconds: number
  pollIntervalMs: number
  backoffBaseMs: number
  backoffMaxMs: number
  /** Messages read per batch (≤ 50). */
  batchSize: number
  /** Deliveries in flight per output. */
  outputConcurrency: number
  /** Largest reply body read from Bitrix24, the OAuth server, webhook outputs and `context.fetch`. */
  maxReplyBytes: number
  /** Delay before a new event's message is read, so quick successive edits merge into one read. */
  coalesceWindowMs: number
  /** Most events one portal may have queued; over it the receiver answers 503. */
  maxPendingPerPortal: number
  /** How long a message waits for an earlier message of its chat (or an edit for its add), in ms. */
  orderWaitMs: number
  /** What a new open-line session in a known chat does: open a new thread, or continue the old one. */
  sessionThreads: 'new' | 'same'
}

export interface LogConfig {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  pretty: boolean
}

export interface BridgeConfig {
  server: ServerConfig
  storage: StorageConfig
  bitrix: BitrixConfig
  outputs: Record<string, OutputConfig>
  routes: RouteConfig[]
  policy: PolicyConfig
  pipeline: PipelineConfig
  log: LogConfig
}
