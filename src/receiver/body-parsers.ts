import type { FastifyInstance } from 'fastify'
import { createFormParser, type FormLimits } from './parse-form.js'

export interface BodyLimits extends FormLimits {
  /** Max body bytes; more is answered 413 before the body is read to the end. */
  bodyLimit: number
}

/**
 * Replaces the encapsulated context's parsers with exactly two: Bitrix24's form bodies and JSON
 * (relays, tests). Any other content type gets fastify's 415, mapped to BRG_ERR_BODY_UNSUPPORTED_TYPE.
 * JSON with `__proto__` or `constructor.prototype` keys is rejected (400) whatever the server-wide
 * `onProtoPoisoning` setting is, because this parser is ours.
 */
export function registerBodyParsers(app: FastifyInstance, limits: BodyLimits): void {
  const parseForm = createFormParser(limits)
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: limits.bodyLimit },
    (_request, body: string, done) => {
      try {
        done(null, parseForm(body))
      } catch (err) {
        done(err as Error, undefined)
      }
    },
  )
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: limits.bodyLimit },
    app.getDefaultJsonParser('error', 'error'),
  )
}
