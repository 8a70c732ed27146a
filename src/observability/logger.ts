import { type DestinationStream, type Logger, pino } from 'pino'

/** Paths whose values never reach a log line. */
export const redactPaths = [
  'token',
  '*.token',
  'applicationToken',
  '*.applicationToken',
  'application_token',
  '*.application_token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'userToken',
  '*.userToken',
  'webhookUrl',
  '*.webhookUrl',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'auth',
  '*.auth',
  'headers.authorization',
  '*.headers.authorization',
]

export interface LoggerOptions {
  level?: string
  destination?: DestinationStream
}

/** The longest string field a log line keeps (a net under the 64-character cut of event strings). */
export const LOG_FIELD_LIMIT = 2048

/** Cuts top-level string fields past LOG_FIELD_LIMIT, so no field of a line can be made huge. */
export function clipLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out = fields
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string' && value.length > LOG_FIELD_LIMIT) {
      if (out === fields) out = { ...fields }
      out[key] = `${value.slice(0, LOG_FIELD_LIMIT)}… (${value.length} characters)`
    }
  }
  return out
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'openline-bridge' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { log: clipLogFields },
    },
    options.destination,
  )
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
