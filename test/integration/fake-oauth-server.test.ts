import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeForm } from '../../src/bitrix/encode-form.js'
import { type FakeOAuthServer, startFakeOAuthServer } from '../support/fake-oauth-server.js'
import { type FakePortal, startFakePortal } from '../support/fake-portal.js'
import { CLIENT } from '../support/oauth-bridge.js'

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/bitrix/rest/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >

/** The fake OAuth server is as strict as oauth.bitrix.info, and answers in its shape. */
let oauth: FakeOAuthServer
let portal: FakePortal
beforeAll(async () => {
  oauth = await startFakeOAuthServer(CLIENT)
  portal = await startFakePortal()
})
afterAll(async () => {
  await oauth.close()
  await portal.close()
})

async function refresh(params: Record<string, string>, how: 'body' | 'query' = 'body') {
  const form = encodeForm({
    grant_type: 'refresh_token',
    ...CLIENT,
    client_secret: CLIENT.clientSecret,
    ...params,
  })
  const res =
    how === 'body'
      ? await fetch(`${oauth.url}/oauth/token/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
        })
      : await fetch(`${oauth.url}/oauth/token/?${form}`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('fake OAuth server', () => {
  it('exchanges a refresh token once, in the shape of oauth.token.ok.json, naming the portal', async () => {
    oauth.grant('r-1', portal, 'member-x')
    const first = await refresh({ client_id: CLIENT.clientId, refresh_token: 'r-1' })
    expect(first.status).toBe(200)
    expect(Object.keys(first.body).sort()).toEqual(Object.keys(fixture('oauth.token.ok.json')).sort())
    expect(first.body).toMatchObject({
      member_id: 'member-x',
      client_endpoint: portal.restUrl,
      domain: 'oauth.bitrix.info',
    })
    // Single use: the spent token is refused, the new one works (also as GET query parameters).
    const again = await refresh({ client_id: CLIENT.clientId, refresh_token: 'r-1' })
    expect(again).toEqual({ status: 400, body: fixture('oauth.token.invalid-grant.400.json') })
    const next = await refresh(
      { client_id: CLIENT.clientId, refresh_token: String(first.body.refresh_token) },
      'query',
    )
    expect(next.status).toBe(200)
  })

  it('refuses another app’s client id or secret, and another grant type', async () => {
    oauth.grant('r-2', portal, 'member-x')
    expect((await refresh({ client_id: 'local.other-app', refresh_token: 'r-2' })).body.error).toBe(
      'invalid_client',
    )
    expect(
      (await refresh({ client_id: CLIENT.clientId, client_secret: 'wrong', refresh_token: 'r-2' })).body
        .error,
    ).toBe('invalid_client')
    expect(
      (await refresh({ client_id: CLIENT.clientId, grant_type: 'client_credentials', refresh_token: 'r-2' }))
        .status,
    ).toBe(400)
  })
})
