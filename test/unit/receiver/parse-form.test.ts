import { describe, expect, it } from 'vitest'
import { ErrorCodes } from '../../../src/errors.js'
import { createFormParser } from '../../../src/receiver/parse-form.js'
import { fixture } from './receiver-harness.js'

const parse = createFormParser({ parameterLimit: 50, depth: 6 })

function parseError(body: string): unknown {
  try {
    parse(body)
  } catch (err) {
    return err
  }
  throw new Error('expected the parser to throw')
}

describe('createFormParser', () => {
  it('parses PHP bracket keys, + as space and percent escapes, as Bitrix24 encodes them', () => {
    const body = parse(fixture('onopenlinemessageupdate.server.form.txt')) as {
      data: { DATA: { im: { message_id: string }; message: { id: string[]; text: string } } }
    }
    expect(body.data.DATA.im.message_id).toBe('2057')
    expect(body.data.DATA.message.id).toEqual(['5521'])
    expect(body.data.DATA.message.text).toBe(
      '[b]Anna Petrova:[/b][br] Your order #4411 ships [i]tomorrow[/i] & arrives <Friday>',
    )
  })

  it('rejects more parameters than the limit instead of silently dropping the rest', () => {
    const body = Array.from({ length: 51 }, (_, i) => `k${i}=v`).join('&')
    expect(parseError(body)).toMatchObject({ code: ErrorCodes.BODY_PARSE })
    expect(() => parse(Array.from({ length: 50 }, (_, i) => `k${i}=v`).join('&'))).not.toThrow()
  })

  it('rejects nesting deeper than the depth limit', () => {
    expect(parseError('a[b][c][d][e][f][g][h]=1')).toMatchObject({ code: ErrorCodes.BODY_PARSE })
    expect(parse('a[b][c][d][e][f][g]=1')).toMatchObject({ a: { b: { c: { d: { e: { f: { g: '1' } } } } } } })
  })

  it('rejects a huge array index rather than allocating for it', () => {
    expect(parseError('data[DATA][999999][im][chat_id]=1')).toMatchObject({ code: ErrorCodes.BODY_PARSE })
  })

  it('cannot pollute Object.prototype through __proto__ or constructor[prototype] keys', () => {
    const body = parse(
      '__proto__[polluted]=1&constructor[prototype][polluted2]=1&a[__proto__][polluted3]=1&x=y',
    )
    const probe: Record<string, unknown> = {}
    expect(probe.polluted).toBeUndefined()
    expect(probe.polluted2).toBeUndefined()
    expect(probe.polluted3).toBeUndefined()
    expect(Object.getPrototypeOf(body)).toBeNull()
    expect(body.x).toBe('y')
  })
})
