import type { MirrorMessage, NormalizedEvent } from '../model.js'
import type { JobInput } from '../store/store.js'

/** A fetch job: read the message behind an event back from Bitrix24. */
export interface FetchPayload {
  /** Portal key (PortalRecord.id). */
  portal: string
  event: NormalizedEvent
}

/** A deliver job: bring one output's mirror of one message up to date. */
export interface DeliverPayload {
  portal: string
  output: string
  /** Version (event ts) of the state being applied. */
  version: number
  message: MirrorMessage
  /** When Bitrix24 says the message was written (ms), when the read said so. */
  writtenAt?: number
  /** When the first event behind it was stored (ms): logged with the delivery for latency. */
  receivedAt?: number
}

export function fetchJob(portal: string, event: NormalizedEvent, runAt?: number): JobInput<FetchPayload> {
  const job: JobInput<FetchPayload> = {
    queue: 'fetch',
    key: `${portal}:${event.messageId}`,
    group: portal,
    payload: { portal, event },
  }
  if (runAt !== undefined) job.runAt = runAt
  return job
}

export function deliverJob(payload: DeliverPayload): JobInput<DeliverPayload> {
  return {
    queue: 'deliver',
    key: `${payload.portal}:${payload.message.messageId}:${payload.output}`,
    group: payload.output,
    payload,
  }
}
