import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { createPortalDirectory } from '../../../src/bitrix/portal-directory.js'
import type { PortalConfig } from '../../../src/config/types.js'
import {
  type ReceiverConfig,
  type ReceiverDeps,
  registerReceiver,
} from '../../../src/receiver/receiver-plugin.js'
import { type RecordingStore, recordingStore } from './recording-store.js'

export const MEMBER_ID = 'a223c6b3710f85df22e9377d6c4f7553'
export const DOMAIN = 'example-portal.bitrix24.com'
export const APP_TOKEN = 'fake-apptoken-51856fefc120afa4'
export const PATH = '/bitrix/events'
export const FORM = 'application/x-www-form-urlencoded'

export function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/bitrix/events/${name}`, import.meta.url), 'utf8')
}

export interface Harness {
  app: FastifyInstance
  store: RecordingStore
  /** Every log line the receiver wrote, parsed. */
  logs: Record<string, unknown>[]
  /** The raw log output, to check no secret reached it. */
  rawLogs: () => string
  queued: number[]
}

export interface HarnessOptions {
  portals?: PortalConfig[]
  config?: Partial<ReceiverConfig>
  handlers?: ReceiverDeps['handlers']
}

export async function buildReceiverApp(options: HarnessOptions = {}): Promise<Harness> {
  const store = recordingStore()
  const lines: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) })
  const queued: number[] = []
  const app = Fastify()
  registerReceiver(app, {
    store,
    portals: createPortalDirectory(
      options.portals ?? [{ domain: DOMAIN, memberId: MEMBER_ID, applicationToken: APP_TOKEN }],
    ),
    logger,
    config: {
      path: PATH,
      bodyLimit: 16_384,
      parameterLimit: 200,
      depth: 8,
      connectors: [],
      events: ['ONOPENLINEMESSAGEUPDATE', 'ONOPENLINEMESSAGEADD', 'ONOPENLINEMESSAGEDELETE'],
      ...options.config,
    },
    onQueued: (n) => queued.push(n),
    ...(options.handlers === undefined ? {} : { handlers: options.handlers }),
  })
  await app.ready()
  return {
    app,
    store,
    queued,
    get logs() {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    },
    rawLogs: () => lines.join(''),
  }
}

/** Posts a form body (as Bitrix24 does) through inject. */
export function postForm(app: FastifyInstance, body: string, contentType = FORM) {
  return app.inject({ method: 'POST', url: PATH, headers: { 'content-type': contentType }, payload: body })
}

export function postJson(app: FastifyInstance, body: string) {
  return app.inject({
    method: 'POST',
    url: PATH,
    headers: { 'content-type': 'application/json' },
    payload: body,
  })
}
