import { Writable } from 'node:stream'
import { type Logger, pino } from 'pino'

export interface CapturedLog {
  logger: Logger
  /** Every line written, parsed. */
  lines: Record<string, unknown>[]
  /** Bytes written in all. */
  bytes(): number
}

/** A real pino logger writing JSON lines into memory, so a test can count and measure them. */
export function captureLog(level = 'debug'): CapturedLog {
  const lines: Record<string, unknown>[] = []
  let bytes = 0
  const logger = pino(
    { level },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line))
        done()
      },
    }),
  )
  return { logger, lines, bytes: () => bytes }
}
