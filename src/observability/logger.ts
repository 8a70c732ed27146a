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

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'openline-bridge' },
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    options.destination,
  )
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
