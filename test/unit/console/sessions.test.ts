import { describe, expect, it } from 'vitest'
import { createSessions } from '../../../src/console/sessions.js'

describe('console sessions', () => {
  it('logs in only with the token, signs the cookie, and expires', () => {
    let now = 1_000
    const sessions = createSessions({ token: 'the-token', now: () => now, ttlMs: 60_000 })
    expect(sessions.login('the-toke')).toBeUndefined()
    expect(sessions.login('the-token-')).toBeUndefined()
    const session = sessions.login('the-token')
    if (!session) throw new Error('no session')
    const cookie = sessions.cookie(session)
    expect(sessions.fromCookie(cookie)).toBe(session)
    const [id, sig] = cookie.split('.') as [string, string]
    const tampered = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`
    expect(sessions.fromCookie(`${id}.${tampered}`)).toBeUndefined()
    expect(sessions.fromCookie(`${id}x.${sig}`)).toBeUndefined()
    expect(sessions.fromCookie(id)).toBeUndefined()
    expect(sessions.csrfOk(session, session.csrf)).toBe(true)
    expect(sessions.csrfOk(session, undefined)).toBe(false)
    expect(sessions.csrfOk(session, `${session.csrf}x`)).toBe(false)
    now += 60_000
    expect(sessions.fromCookie(cookie)).toBeUndefined()
  })

  it('has no session at all when the token is empty, and forgets a logged-out one', () => {
    expect(createSessions({ token: '', now: () => 0 }).login('')).toBeUndefined()
    const sessions = createSessions({ token: 't', now: () => 0 })
    const session = sessions.login('t')
    if (!session) throw new Error('no session')
    sessions.logout(session)
    expect(sessions.fromCookie(sessions.cookie(session))).toBeUndefined()
  })
})
