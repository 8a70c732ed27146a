import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import qs from 'qs'
import type { FakePortal } from './fake-portal-types.js'

// A fake Bitrix24 OAuth server (oauth.bitrix.info) on loopback: `/oauth/token/` with
// grant_type=refresh_token, parameters in the query (as the docs show) or a form body (as
// b24jssdk sends them). Strict like the real one: client_id and client_secret must be this app's,
// a refresh token is single-use and works only for the app it was issued to, and the reply names
// the portal (member_id, client_endpoint) while `domain` is the OAuth server's own host
// (oauth.token.ok.json; b24phpsdk RenewedAuthToken; b24jssdk oauth/auth.ts). No vitest imports.

export interface FakeOAuthServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** `${url}/rest/`: what events carry as `auth.server_endpoint`. */
  serverEndpoint: string
  host: string
  /** Every token request with the status it was answered with (and the tokens issued on a 200). */
  requests: {
    params: Record<string, unknown>
    status: number
    issued?: { access: string; refresh: string }
  }[]
  /**
   * Registers a refresh token of this app for a portal (its `member_id`): refreshing it issues an
   * access token that portal accepts and a new refresh token; the old one is spent.
   */
  grant(refreshToken: string, portal: FakePortal, memberId: string): void
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
  const grants = new Map<string, { portal: FakePortal; memberId: string }>()
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
      const answer = (status: number, body: Record<string, unknown>) => {
        const issued =
          typeof body.access_token === 'string' && typeof body.refresh_token === 'string'
            ? { access: body.access_token, refresh: body.refresh_token }
            : undefined
        requests.push(issued === undefined ? { params, status } : { params, status, issued })
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
      const granted = grants.get(refresh)
      if (params.grant_type !== 'refresh_token' || granted === undefined) {
        return answer(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' })
      }
      grants.delete(refresh)
      const nextRefresh = `fake-refresh-${randomBytes(6).toString('hex')}`
      grants.set(nextRefresh, granted)
      const { portal, memberId } = granted
      answer(200, {
        access_token: portal.issueToken(),
        client_endpoint: portal.restUrl,
        domain: 'oauth.bitrix.info',
        expires: Math.floor(Date.now() / 1000) + 3600,
        expires_in: 3600,
        member_id: memberId,
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
    grant: (refreshToken, portal, memberId) => void grants.set(refreshToken, { portal, memberId }),
    revoke: (refreshToken) => void grants.delete(refreshToken),
    revokePortal(portal) {
      for (const [token, owner] of grants) if (owner.portal === portal) grants.delete(token)
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
