import { describe, expect, it } from 'vitest'
import { redactPayload } from '../../../src/console/redact-payload.js'

describe('redactPayload', () => {
  it('masks tokens, auth and webhook codes at any depth, and keeps the rest', () => {
    const payload = {
      portal: 'p1',
      event: {
        messageId: 7,
        userToken: 'enc:v1:sealed-user-token',
        auth: { access_token: 'at-123', domain: 'x.bitrix24.com' },
        textHint: 'see https://x.bitrix24.com/rest/1/s3cr3tc0de/im.message.add',
      },
      list: [{ refresh_token: 'rt-1' }],
      empty: { token: '' },
    }
    const shown = JSON.stringify(redactPayload(payload))
    for (const secret of ['sealed-user-token', 'at-123', 's3cr3tc0de', 'rt-1'])
      expect(shown).not.toContain(secret)
    expect(redactPayload(payload)).toMatchObject({
      portal: 'p1',
      event: { messageId: 7, userToken: '[redacted]', auth: '[redacted]' },
      list: [{ refresh_token: '[redacted]' }],
      empty: { token: '' },
    })
    expect(shown).toContain('/rest/1/[redacted]/im.message.add')
  })
})
