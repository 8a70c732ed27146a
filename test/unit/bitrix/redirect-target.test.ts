import { describe, expect, it } from 'vitest'
import { BitrixError } from '../../../src/bitrix/errors.js'
import { redirectTarget } from '../../../src/bitrix/redirect-target.js'

const from = 'https://old.bitrix24.com/rest/1/abc/batch'

describe('redirectTarget', () => {
  it('follows a renamed portal to the same REST path and names the new base', () => {
    expect(redirectTarget('https://new.bitrix24.com/rest/1/abc/batch', from, 'batch', 'old')).toEqual({
      url: 'https://new.bitrix24.com/rest/1/abc/batch',
      base: 'https://new.bitrix24.com/rest/1/abc/',
    })
  })

  it.each([
    ['http://new.bitrix24.com/rest/1/abc/batch', 'plain http'],
    ['https://evil.example.com/collect', 'not a Bitrix24 REST path'],
    ['ftp://new.bitrix24.com/rest/1/abc/batch', 'ftp:'],
    [null, 'without a Location'],
  ])('refuses %s', (location, reason) => {
    const target = redirectTarget(location, from, 'batch', 'old.bitrix24.com')
    expect(target).toBeInstanceOf(BitrixError)
    expect((target as BitrixError).message).toContain(reason)
    expect((target as BitrixError).retryable).toBe(false)
  })
})
