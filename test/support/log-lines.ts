import { Writable } from 'node:stream'
import type { Logger } from 'pino'
import { createLogger } from '../../src/observability/logger.js'

/** A debug-level logger whose lines the test reads back as objects. */
export function logLines(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = []
  const destination = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  const logger = createLogger({ level: 'debug', destination })
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}
