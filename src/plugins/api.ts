import type { Logger } from 'pino'
import { BridgeError, type ErrorCode, ErrorCodes, hasErrorBrand } from '../errors.js'
import type { MirrorMessage } from '../model.js'

/** Whatever an output needs to find its mirror again (Slack `{channel, ts}`, Telegram ids…). JSON only. */
export type ExternalRef = unknown

export interface OutputCapabilities {
  edit: boolean
  delete: boolean
  maxTextLength?: number
}

/**
 * The thread an output keeps for one Bitrix24 chat, handed to `send`. The bridge stores one per
 * (output, portal, chat). On a chat's first message (or the first of a new session under
 * `pipeline.sessionThreads: new`) `ref` is undefined: the plugin opens the thread (Slack header
 * post, Telegram topic, mail root), calls `save` with whatever it needs to find the thread again,
 * and then sends the message into it. Later sends of that chat get the saved `ref` back, across
 * restarts. A plugin that ignores this argument keeps working: its messages stay top-level.
 */
export interface ConversationContext {
  /** What `save` stored for this chat's current thread; undefined when there is none yet. */
  readonly ref: ExternalRef | undefined
  /** The previous session's thread, when a new session opened a new one (link back to it). */
  readonly previous?: ExternalRef
  /**
   * Stores the thread's ref now, before the message itself is sent, so a retry after a crash or
   * a failed send finds the thread instead of opening a second one. JSON only.
   */
  save(ref: ExternalRef): Promise<void>
}

export interface OutputPlugin {
  /** Instance name from config, e.g. `slack.support`. */
  readonly id: string
  readonly capabilities: OutputCapabilities
  /** Verify credentials (auth.test, getMe, SMTP verify). Throw OutputError to fail boot. */
  start?(): Promise<void>
  /**
   * Create the mirror; return its id(s). `conversation` is the chat's thread (see
   * `ConversationContext`); it is absent only for a message queued without a conversation.
   */
  send(msg: MirrorMessage, conversation?: ConversationContext): Promise<ExternalRef>
  /** Edit the mirror in place; may re-send and return a new ref. */
  update(ref: ExternalRef, msg: MirrorMessage): Promise<ExternalRef>
  delete?(ref: ExternalRef, msg: MirrorMessage): Promise<void>
  /**
   * Find a mirror an earlier `send` with this `idempotencyKey` may have created before the bridge
   * crashed (return its ref), or `undefined` when there is none. Without it, such a send is
   * repeated with the same key. `conversation` is the chat's thread, as `send` would get it.
   */
  recover?(
    idempotencyKey: string,
    msg: MirrorMessage,
    conversation?: ConversationContext,
  ): Promise<ExternalRef | undefined>
  stop?(): Promise<void>
}

/** Shared settings a plugin may honour. */
export interface OutputPolicy {
  editMarker: string
}

/**
 * Small facts an output learns while it runs and must keep across restarts (a chat that moved),
 * kept in the bridge's store under the output's id. Values are JSON; `undefined` when unset.
 */
export interface OutputState {
  get(key: string): Promise<unknown>
  set(key: string, value: unknown): Promise<void>
}

/** State kept in memory only: for hosts without a store (check-config, tests). */
export function memoryState(): OutputState {
  const values = new Map<string, string>()
  return {
    get: async (key) => {
      const value = values.get(key)
      return value === undefined ? undefined : (JSON.parse(value) as unknown)
    },
    set: async (key, value) => {
      values.set(key, JSON.stringify(value) ?? 'null')
    },
  }
}

export interface PluginContext {
  /** Instance id from config. */
  id: string
  /** Child logger (`{component: 'output', output: id}`); secrets are redacted by path. */
  logger: Logger
  /** The fetch to use for HTTP (injectable in tests). */
  fetch: typeof fetch
  policy: OutputPolicy
  /** Durable per-output state (the bridge's store). A host without a store may leave it out. */
  state?: OutputState
}

export interface PluginDefinition<Options = Record<string, unknown>> {
  /** Type name used in config (`type: webhook`). */
  type: string
  /** JSON schema (ajv, draft-07) of the options; its `description`s document them. */
  configSchema: object
  create(options: Options, context: PluginContext): OutputPlugin
}

/** Declare an output plugin. The default export of a plugin module must be the result. */
export function definePlugin<Options = Record<string, unknown>>(
  definition: PluginDefinition<Options>,
): PluginDefinition<Options> {
  return definition
}

/**
 * What went wrong, in terms the pipeline acts on:
 * - `rate-limited`: wait `retryAfterMs`, retry this output only;
 * - `transient`: retry with backoff;
 * - `gone`: the mirror is missing or too old to edit (policy decides: send new, or skip);
 * - `auth`: credentials rejected, not retried;
 * - `invalid`: the request can never succeed (bad channel, message too large…), not retried.
 */
export type OutputErrorReason = 'rate-limited' | 'transient' | 'gone' | 'auth' | 'invalid'

const reasonCodes = {
  'rate-limited': ErrorCodes.OUTPUT_RATE_LIMITED,
  transient: ErrorCodes.OUTPUT_TRANSIENT,
  gone: ErrorCodes.OUTPUT_GONE,
  auth: ErrorCodes.OUTPUT_AUTH,
  invalid: ErrorCodes.OUTPUT_INVALID,
} as const

// See errors.ts: an OutputError thrown by a plugin's own copy of the SDK must still be recognised.
const outputErrorBrand = Symbol.for('openline-bridge.OutputError')

export class OutputError extends BridgeError {
  readonly [outputErrorBrand] = true
  readonly reason: OutputErrorReason
  readonly retryAfterMs: number | undefined

  constructor(
    reason: OutputErrorReason,
    message: string,
    /** `code`: a more precise code than the reason's own (e.g. BRG_ERR_REPLY_TOO_LARGE for `invalid`). */
    options: { retryAfterMs?: number; cause?: unknown; code?: ErrorCode } = {},
  ) {
    super(options.code ?? reasonCodes[reason], message, { kind: 'operational', cause: options.cause })
    this.name = 'OutputError'
    this.reason = reason
    this.retryAfterMs = options.retryAfterMs
  }
}

export function isOutputError(err: unknown): err is OutputError {
  return err instanceof OutputError || hasErrorBrand(err, outputErrorBrand)
}
