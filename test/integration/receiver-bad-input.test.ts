import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCodes } from '../../src/errors.js'
import {
  APP_TOKEN,
  buildReceiverApp,
  fixture,
  type Harness,
  postForm,
  postJson,
} from '../unit/receiver/receiver-harness.js'

let h: Harness
afterEach(async () => {
  await h?.app.close()
})

const docsForm = () => fixture('onopenlinemessageupdate.docs.form.txt')
const docsJson = () => JSON.parse(fixture('onopenlinemessageupdate.docs.json'))

/** Every error answer: JSON `{error, code, details?}`, no stack, no token; and nothing stored. */
function expectErrorAnswer(
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  status: number,
  code: string,
) {
  expect(res.statusCode).toBe(status)
  expect(res.headers['content-type']).toContain('application/json')
  const body = JSON.parse(res.body) as Record<string, unknown>
  expect(body).toMatchObject({ code, error: expect.any(String) })
  expect(Object.keys(body).every((k) => ['error', 'code', 'details'].includes(k))).toBe(true)
  expect(res.body).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+|stack/)
  expect(res.body).not.toContain(APP_TOKEN)
  expect(res.body).not.toContain('fake-access')
  expect(h.store.jobs).toEqual([])
  return body
}

describe('receiver: bad input', () => {
  it.each([
    ['text/plain', 'hello'],
    ['multipart/form-data; boundary=x', '--x--'],
    ['application/xml', '<event/>'],
  ])('Content-Type %s → 415', async (type, payload) => {
    h = await buildReceiverApp()
    const res = await h.app.inject({
      method: 'POST',
      url: '/bitrix/events',
      headers: { 'content-type': type },
      payload,
    })
    expectErrorAnswer(res, 415, ErrorCodes.BODY_UNSUPPORTED_TYPE)
  })

  it('a body without Content-Type → 415', async () => {
    h = await buildReceiverApp()
    const res = await h.app.inject({
      method: 'POST',
      url: '/bitrix/events',
      payload: Buffer.from(docsForm()),
    })
    expectErrorAnswer(res, 415, ErrorCodes.BODY_UNSUPPORTED_TYPE)
  })

  it('accepts the form type with a charset parameter', async () => {
    h = await buildReceiverApp()
    const res = await postForm(h.app, docsForm(), 'application/x-www-form-urlencoded; charset=UTF-8')
    expect(res.json()).toEqual({ ok: true, queued: 1 })
  })

  it('malformed or empty JSON → 400 BODY_PARSE', async () => {
    h = await buildReceiverApp()
    expectErrorAnswer(
      await postJson(h.app, '{"event": "ONOPENLINEMESSAGEUPDATE",'),
      400,
      ErrorCodes.BODY_PARSE,
    )
    expectErrorAnswer(await postJson(h.app, ''), 400, ErrorCodes.BODY_PARSE)
  })

  it('schema-invalid bodies → 400 BODY_INVALID with the problem paths', async () => {
    h = await buildReceiverApp()
    const noData = docsForm().replace(/&data%5BDATA%5D[^&]*/g, '')
    expect(expectErrorAnswer(await postForm(h.app, noData), 400, ErrorCodes.BODY_INVALID).details).toEqual([
      'data.DATA',
    ])
    const badId = docsForm().replace('message_id%5D=2056', 'message_id%5D=twenty')
    expect(expectErrorAnswer(await postForm(h.app, badId), 400, ErrorCodes.BODY_INVALID).details).toEqual([
      'data.DATA[0].im.message_id',
    ])
    expect(expectErrorAnswer(await postJson(h.app, '[1,2]'), 400, ErrorCodes.BODY_INVALID).details).toEqual([
      'body',
    ])
    expect(expectErrorAnswer(await postForm(h.app, ''), 400, ErrorCodes.BODY_INVALID).details).toEqual([
      'event',
      'ts',
      'auth',
    ])
  })

  it('a duplicated token key (an array) is invalid, not a match', async () => {
    h = await buildReceiverApp()
    const body = `${docsForm()}&auth%5Bapplication_token%5D=${APP_TOKEN}`
    const answer = expectErrorAnswer(await postForm(h.app, body), 400, ErrorCodes.BODY_INVALID)
    expect(answer.details).toEqual(['auth.application_token'])
  })

  it('a body over bodyLimit → 413 BODY_TOO_LARGE', async () => {
    h = await buildReceiverApp({ config: { bodyLimit: 2048 } })
    const big = `${docsForm()}&pad=${'x'.repeat(2048)}`
    expectErrorAnswer(await postForm(h.app, big), 413, ErrorCodes.BODY_TOO_LARGE)
    expectErrorAnswer(
      await postJson(h.app, JSON.stringify({ ...docsJson(), pad: 'x'.repeat(2048) })),
      413,
      ErrorCodes.BODY_TOO_LARGE,
    )
  })

  it('more form parameters than parameterLimit → 400 BODY_PARSE', async () => {
    h = await buildReceiverApp({ config: { parameterLimit: 30 } })
    const body = `${docsForm()}${'&x=1'.repeat(20)}`
    expectErrorAnswer(await postForm(h.app, body), 400, ErrorCodes.BODY_PARSE)
  })

  it('nesting deeper than depth → 400 BODY_PARSE (rejected, not flattened)', async () => {
    h = await buildReceiverApp({ config: { depth: 8 } })
    const body = `${docsForm()}&data%5Ba%5D%5Bb%5D%5Bc%5D%5Bd%5D%5Be%5D%5Bf%5D%5Bg%5D%5Bh%5D%5Bi%5D=1`
    expectErrorAnswer(await postForm(h.app, body), 400, ErrorCodes.BODY_PARSE)
  })

  it('a huge array index → 400 BODY_PARSE', async () => {
    h = await buildReceiverApp()
    const body = `${docsForm()}&data%5BDATA%5D%5B999999%5D%5Bim%5D%5Bchat_id%5D=1`
    expectErrorAnswer(await postForm(h.app, body), 400, ErrorCodes.BODY_PARSE)
  })

  it('__proto__ / constructor[prototype] form keys pollute nothing and are ignored', async () => {
    h = await buildReceiverApp()
    const body = `${docsForm()}&__proto__%5Bpolluted%5D=1&constructor%5Bprototype%5D%5Bpolluted%5D=1&auth%5B__proto__%5D%5Bpolluted%5D=1`
    const res = await postForm(h.app, body)
    expect(res.json()).toEqual({ ok: true, queued: 1 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('__proto__ / constructor.prototype JSON keys → 400 BODY_PARSE, nothing polluted', async () => {
    h = await buildReceiverApp()
    const proto = fixture('onopenlinemessageupdate.docs.json').replace('{', '{"__proto__": {"polluted": 1},')
    expectErrorAnswer(await postJson(h.app, proto), 400, ErrorCodes.BODY_PARSE)
    const ctor = fixture('onopenlinemessageupdate.docs.json').replace(
      '{',
      '{"constructor": {"prototype": {"polluted": 1}},',
    )
    expectErrorAnswer(await postJson(h.app, ctor), 400, ErrorCodes.BODY_PARSE)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('401 answers carry neither the sent nor the stored token', async () => {
    h = await buildReceiverApp()
    const res = await postForm(h.app, docsForm().replace(APP_TOKEN, 'fake-apptoken-guessed000000'))
    const answer = expectErrorAnswer(res, 401, ErrorCodes.AUTH_TOKEN_MISMATCH)
    expect(JSON.stringify(answer)).not.toContain('guessed')
  })
})
