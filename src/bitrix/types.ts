import type { MirrorFile } from '../model.js'
import type { BitrixError } from './errors.js'
import type { MethodLimitState } from './operating-limits.js'

/** One portal the bridge serves: configured by hand (webhook mode) or installed (OAuth mode). */
export interface PortalRecord {
  /** Key used in the store: member_id when known, else the domain. */
  id: string
  domain: string
  memberId?: string
  applicationToken?: string
  /** Incoming webhook base URL ending in `/`, e.g. `https://x.bitrix24.com/rest/1/abc/`. */
  webhookUrl?: string
  /** Installed through the app: REST calls go to `clientEndpoint` with the stored OAuth tokens. */
  installed?: boolean
  /** OAuth REST base from the install, `https://<portal>/rest/`. */
  clientEndpoint?: string
  /** `needs-reinstall`: the app's tokens were rejected; its jobs wait for a new install. */
  status?: 'active' | 'needs-reinstall'
}

/** The message to read back, as the event named it. */
export interface MessageRef {
  chatId: number
  messageId: number
  /** `message.text` from the event (used only when no REST read can see the message). */
  textHint?: string
  /** The editing user's token from the event (OAuth mode; sealed when storage.encryptionKey is set). */
  userToken?: string
  /** Open-line session of the message, when the event or the mirror map knows it. */
  sessionId?: number
  /** Also read the chat's details (`imopenlines.dialog.get`) in the same batch. */
  withChat?: boolean
}

/** An open-line chat's details, from `imopenlines.dialog.get`. */
export interface BitrixChat {
  chatId: number
  title: string
  customerName?: string
  connector?: string
  line?: number
  sessionId?: number
}

export interface BitrixMessage {
  id: number
  chatId: number
  authorId: number
  authorName?: string
  /** ISO date from Bitrix24. */
  date: string
  /** BB-code text. */
  text: string
  files: MirrorFile[]
  params: Record<string, unknown>
}

export type ReadSource = 'im.dialog.messages.get' | 'imopenlines.session.history.get' | 'event-text'

export type ReadResult =
  | {
      status: 'ok'
      message: BitrixMessage
      source: ReadSource
      unverified: boolean
      /** The chat's details, when the ref asked for them and the read succeeded. */
      chat?: BitrixChat
    }
  /** Bitrix24 says the message is deleted (`params.IS_DELETED = 'Y'`). */
  | { status: 'deleted' }
  /**
   * No read could see the message (the id check failed: the reader joined later, the message is
   * in an older session, or its row is gone) and the event had no text. Never a delete.
   */
  | { status: 'unreadable'; reason: string }
  /** Could not read: `error.retryable` says whether a later attempt may succeed. */
  | { status: 'error'; error: BitrixError }

export interface BitrixClient {
  /** Reads many messages of one portal: batches of ≤ 50, fallback to line history, then the event text. */
  readMessages(portal: PortalRecord, refs: readonly MessageRef[]): Promise<ReadResult[]>
  /** One REST call (limited, retried). Returns `result`. */
  call(portal: PortalRecord, method: string, params?: Record<string, unknown>): Promise<unknown>
  /** Each portal's per-method operating time and pauses (OPERATION_TIME_LIMIT…), for /metrics. */
  operatingState?(): Array<MethodLimitState & { portal: string }>
  /** Portals (by id) whose rate bucket has no request free right now → milliseconds until it has. */
  portalsNotReady?(): Map<string, number>
}
