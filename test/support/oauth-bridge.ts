import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { App } from '../../src/app.js'
import type { BridgeConfig } from '../../src/config/types.js'
import { type EventMessage, type EventOptions, encodeForm, updateEvent } from '../../src/demo/event-bodies.js'
import type { PortalCredentials } from '../../src/store/store.js'
import { type FakeOAuthServer, startFakeOAuthServer } from './fake-oauth-server.js'
import { type FakePortal, startFakePortal } from './fake-portal.js'
import { fastPipeline, startTestApp, type TestBridgeOptions } from './test-app.js'

export const CLIENT = { clientId: 'local.bridge-test', clientSecret: 'test-client-secret' }

/** One fake portal the bridge has (or will have) installed on, with the tokens its install carries. */
export interface TestPortal {
  fake: FakePortal
  memberId: string
  /** `127.0.0.1:<port>`: what the portal's events name as `auth.domain`. */
  domain: string
  applicationToken: string
  accessToken: string
  refreshToken: string
}

export interface OAuthBridge {
  app: App
  config: BridgeConfig
  oauth: FakeOAuthServer
  portals: TestPortal[]
  dbPath: string
  /** Event handler URL (`server.path`). */
  url: string
  post(body: string | object, path?: string): Promise<{ status: number; body: Record<string, unknown> }>
  /**
   * Posts ONAPPINSTALL for the portal, as Bitrix24 does when the app is installed: with a refresh
   * token the fake OAuth server just issued for it. After a 200 the portal's `accessToken` and
   * `refreshToken` are the ones the bridge stored (the install's own refresh token is spent by the
   * install proof, as on the real OAuth server).
   */
  install(p: TestPortal, path?: string): Promise<{ status: number; body: Record<string, unknown> }>
  /** Posts ONAPPUPDATE carrying `newToken` as the application token (and a fresh refresh token). */
  update(p: TestPortal, newToken: string): Promise<{ status: number; body: Record<string, unknown> }>
  uninstall(p: TestPortal): Promise<{ status: number; body: Record<string, unknown> }>
  /** Posts an ONOPENLINEMESSAGEUPDATE for these messages with the portal's current application token. */
  edit(
    p: TestPortal,
    messages: EventMessage[],
    options?: EventOptions & { userToken?: string },
  ): ReturnType<OAuthBridge['post']>
  drain(): Promise<void>
  close(): Promise<void>
}

export interface OAuthBridgeOptions extends TestBridgeOptions {
  /** How many fake portals to start (default 1), or portals to reuse (restart tests). */
  portals?: number | TestPortal[]
  oauth?: FakeOAuthServer
  storage?: Record<string, unknown>
  /** A logger to use instead of a silent one (log-scanning tests). */
  logger?: Logger
  /** Hosts allowed besides the portals', the fake OAuth server's and oauth.bitrix.info. */
  allowHosts?: string[]
}

let counter = 0

export async function newTestPortal(oauth: FakeOAuthServer): Promise<TestPortal> {
  const fake = await startFakePortal()
  counter += 1
  const refreshToken = `fake-refresh-${counter}-${Date.now()}`
  const memberId = `member-${counter}-${fake.host.replace(/\W/g, '')}`
  oauth.grant(refreshToken, fake, memberId)
  return {
    fake,
    memberId,
    domain: fake.host,
    applicationToken: `fake-apptoken-${counter}`,
    accessToken: fake.issueToken(),
    refreshToken,
  }
}

/** The portal as the store keeps it after an install whose access token has expired (refresh first). */
export function storedPortal(p: TestPortal, oauth: FakeOAuthServer): PortalCredentials {
  return {
    memberId: p.memberId,
    domain: p.domain,
    clientEndpoint: p.fake.restUrl,
    serverEndpoint: oauth.serverEndpoint,
    applicationToken: p.applicationToken,
    accessToken: p.accessToken,
    refreshToken: p.refreshToken,
    expiresAt: 0,
    scope: 'im,imopenlines',
    status: 'active',
    installedAt: 1,
    updatedAt: 1,
  }
}

export function lifecycleBody(
  type: 'ONAPPINSTALL' | 'ONAPPUPDATE' | 'ONAPPUNINSTALL',
  p: TestPortal,
  serverEndpoint: string,
  overrides: Record<string, string> = {},
): object {
  const ts = Math.floor(Date.now() / 1000)
  const auth: Record<string, string> = {
    domain: p.domain,
    server_endpoint: serverEndpoint,
    status: 'L',
    client_endpoint: p.fake.restUrl,
    member_id: p.memberId,
    application_token: p.applicationToken,
  }
  if (type !== 'ONAPPUNINSTALL') {
    Object.assign(auth, {
      access_token: p.accessToken,
      expires: String(ts + 3600),
      expires_in: '3600',
      scope: 'imopenlines,im',
      user_id: '7',
      refresh_token: p.refreshToken,
    })
  }
  return {
    event: type,
    event_handler_id: '1',
    data:
      type === 'ONAPPUNINSTALL'
        ? { CLEAN: '0' }
        : { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' },
    ts: String(ts),
    auth: { ...auth, ...overrides },
  }
}

/** A bridge in OAuth mode (real config validation, SQLite file, HTTP on loopback) with fake portals. */
export async function startOAuthBridge(options: OAuthBridgeOptions): Promise<OAuthBridge> {
  const oauth = options.oauth ?? (await startFakeOAuthServer(CLIENT))
  const portals = Array.isArray(options.portals)
    ? options.portals
    : await Promise.all(Array.from({ length: options.portals ?? 1 }, () => newTestPortal(oauth)))
  const dir = options.dbPath ? undefined : await mkdtemp(join(tmpdir(), 'olb-oauth-'))
  const dbPath = options.dbPath ?? join(dir ?? '', 'bridge.db')
  const doc = {
    server: { host: '127.0.0.1', port: 0 },
    storage: { driver: 'sqlite', path: dbPath, ...options.storage },
    bitrix: {
      app: { ...CLIENT, oauthServer: oauth.url },
      // Events name the real OAuth server (oauth.bitrix.info) in auth.server_endpoint, as Bitrix24 does.
      allowedHosts: [
        ...portals.map((p) => p.domain),
        oauth.host,
        'oauth.bitrix.info',
        ...(options.allowHosts ?? []),
      ],
      timeoutMs: 2000,
      retries: 1,
      ...options.bitrix,
    },
    outputs: options.outputs,
    ...(options.routes ? { routes: options.routes } : {}),
    pipeline: fastPipeline(options.pipeline),
  }
  const { app, config, address, url } = await startTestApp(
    doc,
    options.logger ? { logger: options.logger } : {},
    options.startWorkers ?? false,
  )
  const post: OAuthBridge['post'] = async (body, path = config.server.path) => {
    const res = await fetch(`${address}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: typeof body === 'string' ? body : encodeForm(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  // Bitrix24 puts a newly issued refresh token in every install and update it sends.
  const lifecycle = async (
    type: 'ONAPPINSTALL' | 'ONAPPUPDATE',
    p: TestPortal,
    overrides: Record<string, string>,
    path?: string,
  ) => {
    counter += 1
    const refreshToken = `fake-refresh-${counter}-${Date.now()}`
    oauth.grant(refreshToken, p.fake, p.memberId)
    const body = lifecycleBody(type, p, oauth.serverEndpoint, { refresh_token: refreshToken, ...overrides })
    const res = await post(body, path)
    const stored = res.status === 200 ? await app.store.getPortal(p.memberId) : undefined
    if (stored !== undefined) {
      p.accessToken = stored.accessToken
      p.refreshToken = stored.refreshToken
    }
    return res
  }
  return {
    app,
    config,
    oauth,
    portals,
    dbPath,
    url,
    post,
    install: (p, path) => lifecycle('ONAPPINSTALL', p, {}, path),
    update: (p, newToken) => lifecycle('ONAPPUPDATE', p, { application_token: newToken }),
    uninstall: (p) => post(lifecycleBody('ONAPPUNINSTALL', p, oauth.serverEndpoint)),
    edit(p, messages, opts = {}) {
      const { userToken, ...eventOptions } = opts
      const identity = {
        memberId: p.memberId,
        domain: p.domain,
        applicationToken: p.applicationToken,
        ...(userToken === undefined ? {} : { accessToken: userToken }),
      }
      const body = updateEvent(identity, messages, eventOptions) as { auth: Record<string, string> }
      body.auth.client_endpoint = p.fake.restUrl
      return post(body)
    },
    drain: () => app.pipeline.drain(),
    async close() {
      await app.close()
      if (!Array.isArray(options.portals)) await Promise.all(portals.map((p) => p.fake.close()))
      if (!options.oauth) await oauth.close()
      if (dir) await rm(dir, { recursive: true, force: true })
    },
  }
}
