import type { FakeChat } from './fake-portal-chats.js'
import type { FakeEventState } from './fake-portal-events.js'
import type { FakeBatchCommand, FakeMessage, FakeMethod, FakeUser } from './fake-portal-methods.js'

export interface FakeFailure {
  status?: number
  body?: unknown
  headers?: Record<string, string>
  /** Wait this long before answering (with `status`, or normally when no status is given). */
  delayMs?: number
  /**
   * A hostile portal: answer 200 with a JSON reply this many bytes long, streamed chunk by chunk
   * as the client reads (never built in memory), stopping when the client hangs up.
   */
  streamBytes?: number
}

export interface FakeRequest {
  method: string
  params: Record<string, unknown>
  at: number
  status: number
  /** For `batch`: the commands it carried. */
  commands?: FakeBatchCommand[]
  /** OAuth mode (`/rest/<method>`): the `auth` token the request carried. */
  auth?: string
}

export interface FakePortalOptions {
  userId?: number
  code?: string
  /** Enforce Bitrix24's leaky bucket (off by default). */
  rateLimit?: { burst: number; perSecond: number }
  historyAccess?: boolean
  /** Seconds of server time each method may use per 10 minutes (default 480, the cloud's). */
  operatingLimit?: number
  /** Interface to listen on (default 127.0.0.1; any 127.x.y.z works on Linux). */
  host?: string
}

export interface FakePortal {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** `${url}/rest/<userId>/<code>/` */
  webhookUrl: string
  /** `127.0.0.1:<port>`: what a portal record's domain would be. */
  host: string
  requests: FakeRequest[]
  /** `streamedBytes`: bytes of `streamBytes` replies handed to sockets before the clients hung up. */
  stats: { requests: number; rejected503: number; commands: number; streamedBytes: number }
  setMessage(message: FakeMessage): void
  /** Soft delete, as the chat does it: text emptied, `params.IS_DELETED = 'Y'`. */
  deleteMessage(id: number): void
  /** The row is gone (a complete delete): reads see the next older message instead. */
  eraseMessage(id: number): void
  /** The reader joined chat `chatId` at message `firstVisibleId`: older ones are hidden from it. */
  setJoinedFrom(chatId: number, firstVisibleId: number): void
  addUser(user: FakeUser): void
  /** Describe an open-line chat (`imopenlines.dialog.get`); change `sessionId` for a new session. */
  setChat(chat: FakeChat): void
  /** The webhook user is a member of every chat unless set otherwise. */
  setMember(chatId: number, member: boolean): void
  setHistoryAccess(allowed: boolean): void
  /**
   * The webhook's or app's scopes (`im`, `imopenlines`, `disk`…); undefined: all. A method outside
   * them answers 403 `insufficient_scope` (inside a batch: that command's `result_error`).
   */
  setScopes(scopes: readonly string[] | undefined): void
  /** Files made public through `disk.file.getExternalLink`: file id → link. */
  publicLinks: ReadonlyMap<number, string>
  setRateLimit(limit: { burst: number; perSecond: number } | undefined): void
  /** Answer the next `n` requests with this failure. */
  failNext(n: number, failure: FakeFailure): void
  /** Answer every request with this failure for `ms`. */
  failFor(ms: number, failure: FakeFailure): void
  /** Answer 302 to the same path on this base (a renamed portal); undefined stops it. */
  redirectTo(baseUrl: string | undefined): void
  /** Register or replace a REST method (throw FakeRestError for an error reply). */
  handle(method: string, fn: FakeMethod): void
  /** Remove a method registered with handle() (built-in methods answer again). */
  unhandle(method: string): void
  /** OAuth mode's REST base, `${url}/rest/`: `POST <restUrl><method>` with `auth=<access token>`. */
  restUrl: string
  /** Accept this access token (a new random one when omitted); returns it. */
  issueToken(token?: string): string
  /** Answer 401 expired_token to this token from now on. */
  expireToken(token: string): void
  /** Answer 401 invalid_token to this token from now on (a refresh cures it). */
  invalidateToken(token: string): void
  /** Set a method's used operating seconds (and reset, unix seconds): at the limit it answers 429. */
  setOperating(method: string, seconds: number, resetAt?: number): void
  /** Seconds of operating time each call of `method` costs from now on (default 0). */
  setOperatingCost(method: string, seconds: number): void
  /** Forget a token: 401 NO_AUTH_FOUND from now on (the app was removed). */
  revokeToken(token: string): void
  /** Event bindings and the offline queue (event.* methods). */
  events: FakeEventState
  /** `feature.get` answer for `code` (`rest_offline_extended` is Y unless set). */
  setFeature(code: string, value: 'Y' | 'N'): void
  /** Queue an offline event, as the portal does for an event bound with event_type=offline. */
  addOfflineEvent(name: string, data: unknown, messageId: string): void
  close(): Promise<void>
}
