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

  it('reads the odd corners of a form body the way qs did before the bracket-form parser', () => {
    const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown
    // a key without `=` is an empty string; empty keys (`=x`, `&&`) are dropped
    expect(plain(parse('flag&=x&&a=1'))).toEqual({ flag: '', a: '1' })
    // a repeated key becomes a list, also inside brackets and at an index
    expect(plain(parse('a=1&a=2&b[c]=3&b[c]=4&d[0]=5&d[0]=6'))).toEqual({
      a: ['1', '2'],
      b: { c: ['3', '4'] },
      d: [['5', '6']],
    })
    // indexes give dense arrays in index order; a non-index key turns the array into an object
    expect(plain(parse('a[2]=z&a[0]=x&b[5]=y&c[0]=x&c[k]=y&e[007]=n'))).toEqual({
      a: ['x', 'z'],
      b: ['y'],
      c: { 0: 'x', k: 'y' },
      e: { '007': 'n' },
    })
    // `+` is a space (`%2B` a plus); a malformed escape or invalid UTF-8 is kept as sent
    expect(plain(parse('t=a+b%2Bc&bad=%E2%82+%&k%5Bx%5D=1'))).toEqual({
      t: 'a b+c',
      bad: '%E2%82 %',
      k: { x: '1' },
    })
    // a `__proto__` segment is dropped, leaving its parent empty
    expect(plain(parse('a[__proto__][x]=1&__proto__=2'))).toEqual({ a: {} })
  })

  it('rejects a key repeated more times than an array may hold', () => {
    const body = (n: number) => Array.from({ length: n }, () => 'a[b]=1').join('&')
    const lenient = createFormParser({ parameterLimit: 1000, depth: 6 })
    expect(lenient(body(100)).a).toEqual({ b: Array(100).fill('1') })
    expect(() => lenient(body(101))).toThrow(expect.objectContaining({ code: ErrorCodes.BODY_PARSE }))
  })
})
