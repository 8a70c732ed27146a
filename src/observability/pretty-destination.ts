import { Writable } from 'node:stream'

const levels: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
const skip = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'component'])

/** One pino JSON line as `12:34:56 WARN  deliver  message  key=value …` (already redacted). */
export function formatPrettyLine(line: string): string {
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const time = new Date(typeof record.time === 'number' ? record.time : Date.now())
    .toISOString()
    .slice(11, 19)
  const level = (levels[Number(record.level)] ?? String(record.level)).padEnd(5)
  const component = typeof record.component === 'string' ? `${record.component.padEnd(8)} ` : ''
  const fields = Object.entries(record)
    .filter(([key]) => !skip.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
  return [`${time} ${level} ${component}${String(record.msg ?? '')}`, ...fields].join('  ')
}

/**
 * A log destination for people (`log.pretty: true`): pino still redacts and serializes; this only
 * re-lays each JSON line out on one readable line. No extra dependency.
 */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): Writable {
  let pending = ''
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) if (line !== '') out.write(`${formatPrettyLine(line)}\n`)
      done()
    },
  })
}
