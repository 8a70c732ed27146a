import { describe, expect, it } from 'vitest'
import { createHostGuard } from '../../../src/bitrix/host-guard.js'
import { DEFAULT_ALLOWED_HOSTS } from '../../../src/config/core-schema.js'
import { BridgeError, ErrorCodes } from '../../../src/errors.js'

describe('host guard (SSRF)', () => {
  const guard = createHostGuard(DEFAULT_ALLOWED_HOSTS)

  it('allows Bitrix24 cloud portals and the OAuth server over https by default', () => {
    expect(guard.allowsHost('https://example.bitrix24.com/rest/')).toBe(true)
    expect(guard.allowsHost('https://a.b.bitrix24.de/rest/')).toBe(true)
    expect(guard.allowsHost('https://oauth.bitrix.info/oauth/token/')).toBe(true)
  })

  it('refuses other hosts, look-alikes, plain http, other ports and non-http schemes', () => {
    for (const url of [
      'http://127.0.0.2/',
      'https://bitrix24.com.evil.example/rest/',
      'https://evilbitrix24.com/rest/',
      'https://bitrix24.com/rest/',
      'http://example.bitrix24.com/rest/',
      'https://example.bitrix24.com:8443/rest/',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(guard.allowsHost(url), url).toBe(false)
    }
  })

  it("allows a portal's own domain, and hosts listed with a port over http", () => {
    const local = createHostGuard(['127.0.0.1:8081'])
    expect(local.allowsHost('http://127.0.0.1:8081/rest/')).toBe(true)
    expect(local.allowsHost('http://127.0.0.1:8082/rest/')).toBe(false)
    expect(guard.allowsFor('https://portal.example.org/rest/', 'portal.example.org')).toBe(true)
    expect(guard.allowsFor('https://other.example.org/rest/', 'portal.example.org')).toBe(false)
  })

  it('check() throws a non-retryable error naming the host', () => {
    let caught: unknown
    try {
      guard.check('http://127.0.0.2:9/rest/', 'example.bitrix24.com', 'a REST call')
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(BridgeError)
    expect((caught as BridgeError).code).toBe(ErrorCodes.BITRIX_HOST_NOT_ALLOWED)
    expect((caught as BridgeError).message).toContain('127.0.0.2:9')
  })
})
