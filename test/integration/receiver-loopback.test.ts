import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCodes } from '../../src/errors.js'
import {
  APP_TOKEN,
  buildReceiverApp,
  FORM,
  fixture,
  type Harness,
  PATH,
} from '../unit/receiver/receiver-harness.js'

let h: Harness
let url: string

beforeAll(async () => {
  h = await buildReceiverApp({ config: { bodyLimit: 4096 } })
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 })
  url = `${address}${PATH}`
})
afterAll(async () => {
  await h.app.close()
})

function post(body: string, contentType = FORM) {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body })
}

describe('receiver over real loopback HTTP', () => {
  it('accepts the server-shape form body and stores its job before answering', async () => {
    const res = await post(fixture('onopenlinemessageupdate.server.form.txt'))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, queued: 1 })
    expect(h.store.jobs.map((j) => j.key)).toEqual(['a223c6b3710f85df22e9377d6c4f7553:2057'])
  })

  it('answers 401 to a forged token and 413 to an oversized body, as JSON', async () => {
    const forged = await post(
      fixture('onopenlinemessageupdate.docs.form.txt').replace(APP_TOKEN, 'x'.repeat(30)),
    )
    expect(forged.status).toBe(401)
    expect(await forged.json()).toMatchObject({ code: ErrorCodes.AUTH_TOKEN_MISMATCH })

    const big = await post(`${fixture('onopenlinemessageupdate.docs.form.txt')}&pad=${'x'.repeat(8192)}`)
    expect(big.status).toBe(413)
    expect(await big.json()).toMatchObject({ code: ErrorCodes.BODY_TOO_LARGE })
    expect(h.store.jobs).toHaveLength(1)
  })

  it('answers 415 to an unsupported content type', async () => {
    const res = await post('{}', 'text/csv')
    expect(res.status).toBe(415)
    expect(await res.json()).toMatchObject({ code: ErrorCodes.BODY_UNSUPPORTED_TYPE })
  })
})
