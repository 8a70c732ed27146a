import { describe, expect, it } from 'vitest'
import { createPortalDirectory } from '../../../src/bitrix/portal-directory.js'
import { ErrorCodes } from '../../../src/errors.js'
import { tokensEqual, verifyToken } from '../../../src/receiver/verify-token.js'
import { APP_TOKEN, DOMAIN, MEMBER_ID } from './receiver-harness.js'

const byMember = createPortalDirectory([{ domain: DOMAIN, memberId: MEMBER_ID, applicationToken: APP_TOKEN }])

describe('tokensEqual', () => {
  it('is true only for identical strings', () => {
    expect(tokensEqual(APP_TOKEN, APP_TOKEN)).toBe(true)
    expect(tokensEqual(APP_TOKEN, `${APP_TOKEN.slice(0, -1)}5`)).toBe(false)
    expect(tokensEqual(APP_TOKEN, APP_TOKEN.slice(0, -1))).toBe(false)
    expect(tokensEqual('', APP_TOKEN)).toBe(false)
    // Same UTF-16 length, different byte length: must not throw from timingSafeEqual.
    expect(tokensEqual('é', 'e')).toBe(false)
  })
})

describe('verifyToken', () => {
  it('accepts the stored token of the portal found by member_id', () => {
    const check = verifyToken(byMember, { memberId: MEMBER_ID, domain: DOMAIN, applicationToken: APP_TOKEN })
    expect(check).toMatchObject({ ok: true, portal: { id: MEMBER_ID, domain: DOMAIN } })
  })

  it('rejects an unknown member_id even when the domain is configured', () => {
    const check = verifyToken(byMember, { memberId: 'other', domain: DOMAIN, applicationToken: APP_TOKEN })
    expect(check).toMatchObject({ ok: false, code: ErrorCodes.AUTH_TOKEN_MISMATCH, reason: 'unknown portal' })
  })

  it('answers an unknown portal and a wrong token alike, naming no stored portal', () => {
    const unknown = verifyToken(byMember, {
      memberId: 'other',
      domain: 'x.bitrix24.com',
      applicationToken: 'a',
    })
    const wrong = verifyToken(byMember, { memberId: MEMBER_ID, domain: DOMAIN, applicationToken: 'a' })
    if (unknown.ok || wrong.ok) throw new Error('accepted')
    expect([unknown.code, unknown.message]).toEqual([wrong.code, wrong.message])
    expect(wrong.message).not.toContain(DOMAIN)
    expect(wrong.message).not.toContain(MEMBER_ID)
  })

  it('finds a portal configured by domain only, case-insensitively', () => {
    const byDomain = createPortalDirectory([
      { domain: 'Example-Portal.Bitrix24.com', applicationToken: APP_TOKEN },
    ])
    const check = verifyToken(byDomain, { memberId: MEMBER_ID, domain: DOMAIN, applicationToken: APP_TOKEN })
    expect(check).toMatchObject({ ok: true, portal: { id: DOMAIN } })
  })

  it('rejects a missing token and a wrong one, naming neither token', () => {
    const missing = verifyToken(byMember, { memberId: MEMBER_ID, domain: DOMAIN })
    expect(missing).toMatchObject({ ok: false, code: ErrorCodes.AUTH_TOKEN_MISSING })
    const wrong = verifyToken(byMember, {
      memberId: MEMBER_ID,
      domain: DOMAIN,
      applicationToken: 'guess-token',
    })
    expect(wrong).toMatchObject({ ok: false, code: ErrorCodes.AUTH_TOKEN_MISMATCH })
    expect(JSON.stringify(wrong)).not.toContain(APP_TOKEN)
    expect(JSON.stringify(wrong)).not.toContain('guess-token')
  })
})
