import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import qs from 'qs'
import type { FakePortal } from './fake-portal-types.js'

// A fake Bitrix24 OAuth server (oauth.bitrix.info) on loopback: `POST /oauth/token/` with
// grant_type=refresh_token. Refresh tokens are single-use, as on the real server. No vitest imports.

export interface FakeOAuthServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** `${url}/rest/`: what events carry as `auth.server_endpoint`. */
  serverEndpoint: string
  host: string
  /** Every token request with the status it was answered with. */
  requests: { params: Record<string, unknown>; status: number }[]
  /** Registers a refresh token for a portal: refreshing it issues an access token that portal accepts. */
  grant(refreshToken: string, portal: FakePortal): void
  /** Makes a refresh token invalid (invalid_grant), e.g. revoked or older than 180 days. */
  revoke(refreshToken: string): void
  /** Every refresh token of this portal becomes invalid (the app was removed or re-authorised elsewhere). */
  revokePortal(portal: FakePortal): void
  /** Answer every refresh this much later (so concurrent callers overlap). */
  setDelay(ms: number): void
  close(): Promise<void>
}

export async function startFakeOAuthServer(app: {
  clientId: string
  clientSecret: string
}): Promise<FakeOAuthServer> {
  const grants = new Map<string, FakePortal>()
  const requests: FakeOAuthServer['requests'] = []
  let delayMs = 0

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake')
      const params = {
        ...(qs.parse(url.search.slice(1)) as Record<string, unknown>),
        ...(qs.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>),
      }
      const answer = (status: number, body: unknown) => {
        requests.push({ params, status })
        setTimeout(() => {
          res.writeHead(status, { 'content-type': 'application/json' })
          res.end(JSON.stringify(body))
        }, delayMs)
      }
      if (url.pathname !== '/oauth/token/') return answer(404, { error: 'not_found' })
      if (params.client_id !== app.clientId || params.client_secret !== app.clientSecret) {
        return answer(401, { error: 'invalid_client', error_description: 'Invalid client' })
      }
      const refresh = String(params.refresh_token ?? '')
      const portal = grants.get(refresh)
      if (params.grant_type !== 'refresh_token' || portal === undefined) {
        return answer(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' })
      }
      grants.delete(refresh)
      const nextRefresh = `fake-refresh-${randomBytes(6).toString('hex')}`
      grants.set(nextRefresh, portal)
      answer(200, {
        access_token: portal.issueToken(),
        client_endpoint: portal.restUrl,
        domain: 'oauth.bitrix.info',
        expires: Math.floor(Date.now() / 1000) + 3600,
        expires_in: 3600,
        member_id: 'fake',
        refresh_token: nextRefresh,
        scope: 'imopenlines,im',
        server_endpoint: `${base}/rest/`,
        status: 'L',
        user_id: 7,
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  return {
    url: base,
    serverEndpoint: `${base}/rest/`,
    host: `127.0.0.1:${port}`,
    requests,
    grant: (refreshToken, portal) => void grants.set(refreshToken, portal),
    revoke: (refreshToken) => void grants.delete(refreshToken),
    revokePortal(portal) {
      for (const [token, owner] of grants) if (owner === portal) grants.delete(token)
    },
    setDelay(ms) {
      delayMs = ms
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
