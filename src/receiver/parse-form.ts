import qs from 'qs'
import { BridgeError, ErrorCodes } from '../errors.js'
import { createBracketFormParser } from './parse-bracket-form.js'

export interface FormLimits {
  /** Max `key=value` pairs; more is an error, never a silent truncation. */
  parameterLimit: number
  /** Max bracket nesting (`data[DATA][0][message][id][0]` is 5); deeper is an error. */
  depth: number
}

/** Largest array index accepted (`a[999999]=x` must not allocate a huge sparse array). */
export const ARRAY_LIMIT = 100

export type FormParser = (body: string) => Record<string, unknown>

/**
 * The reference parser: qs with the receiver's options. Objects come out with a null prototype, so
 * `__proto__[x]=1` or `constructor[prototype][x]=1` pollute nothing: they are plain own keys the
 * guards never read. Exceeding a limit throws BRG_ERR_BODY_PARSE. createFormParser must give exactly
 * what this gives (test/unit/receiver/parse-form-differential.test.ts checks it).
 */
export function createQsFormParser(limits: FormLimits): FormParser {
  const options: qs.IParseOptions = {
    depth: limits.depth,
    strictDepth: true,
    parameterLimit: limits.parameterLimit,
    arrayLimit: ARRAY_LIMIT,
    throwOnLimitExceeded: true,
    allowPrototypes: false,
    plainObjects: true,
    allowDots: false,
    comma: false,
    charset: 'utf-8',
  }
  return (body) => {
    try {
      return qs.parse(body, options)
    } catch (err) {
      // qs reports exceeded limits as RangeError; anything else is a bug in the parser, not the body.
      if (!(err instanceof RangeError)) throw err
      throw new BridgeError(
        ErrorCodes.BODY_PARSE,
        `Form body exceeds a parser limit: ${err.message} Raise server.parameterLimit or server.depth if a real Bitrix24 event hits this.`,
        { cause: err },
      )
    }
  }
}

/**
 * Builds the parser for Bitrix24's `application/x-www-form-urlencoded` bodies with PHP bracket keys
 * (`data[DATA][0][im][chat_id]=1024`), once per server, not per request. qs was a quarter of the
 * request path's CPU (bench/PROFILE.md), so bodies in the shape PHP writes go through the one-pass
 * bracket-form parser; every other body (odd keys, leaf/branch conflicts, `__proto__`, an exceeded
 * limit) goes to qs, so results, errors and the pollution guarantees stay exactly qs's.
 */
export function createFormParser(limits: FormLimits): FormParser {
  const parseBracketForm = createBracketFormParser({
    parameterLimit: limits.parameterLimit,
    depth: limits.depth,
    arrayLimit: ARRAY_LIMIT,
  })
  const parseWithQs = createQsFormParser(limits)
  return (body) => parseBracketForm(body) ?? parseWithQs(body)
}
