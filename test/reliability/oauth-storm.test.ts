import { afterEach, describe, expect, it } from 'vitest'
import { type OAuthBridge, startOAuthBridge } from '../support/oauth-bridge.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

let bridge: OAuthBridge | undefined
let sink: WebhookSink | undefined
afterEach(async () => {
  await bridge?.close()
  await sink?.close()
})

describe('scenario 3 (OAuth): expired_token mid-run with other failures around it', () => {
  it('refreshes once per portal, loses nothing', async () => {
    sink = await startWebhookSink()
    bridge = await startOAuthBridge({
      outputs: { hook: { type: 'webhook', url: sink.url } },
      portals: 2,
      pipeline: { maxAttempts: 1000, backoffBaseMs: 20, backoffMaxMs: 200, batchSize: 10 },
      startWorkers: true,
    })
    const b = bridge
    const N = 60
    for (const p of b.portals) {
      expect((await b.install(p)).status).toBe(200)
      for (let id = 1; id <= N; id++)
        p.fake.setMessage({ id, chatId: 1024, authorId: 7, text: `${p.memberId} ${id}` })
    }
    const acked: number[] = []
    for (let id = 1; id <= N; id++) {
      for (const p of b.portals) {
        // Robot edits: no user token rides along, so every read uses the app's stored token.
        const res = await b.edit({ ...p, accessToken: '' }, [{ chatId: 1024, messageId: id }], {
          ts: 1000 + id,
        })
        if (res.status === 200) acked.push(id)
      }
      if (id === N / 3) {
        // Mid-run: both portals' access tokens expire, and one portal also throws 503s and a 500.
        for (const p of b.portals) p.fake.expireToken(p.accessToken)
        b.portals[0]?.fake.failNext(2, {
          status: 503,
          body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
        })
        b.portals[1]?.fake.failNext(1, {
          status: 500,
          body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'x' },
        })
      }
    }
    await sink.waitFor(N * 2, 30_000)
    const mirrored = new Set(sink.requests.map((r) => `${r.body.portal}:${r.body.messageId}`))
    // Each install was proven with one exchange at the OAuth server; the rest are refreshes.
    const refreshes = b.oauth.requests.length - b.portals.length
    process.stdout.write(
      `oauth-storm: ${acked.length} edits acknowledged on 2 portals, ${mirrored.size} mirrored, lost ${acked.length - mirrored.size}; token refreshes: ${refreshes}\n`,
    )
    expect(acked).toHaveLength(N * 2)
    expect(mirrored.size).toBe(N * 2)
    expect(refreshes).toBe(2)
    expect(await b.app.store.listDead()).toHaveLength(0)
  })
})
