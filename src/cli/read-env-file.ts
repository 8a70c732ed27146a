import { readFileSync } from 'node:fs'
import { BridgeError, ErrorCodes, errorMessage } from '../errors.js'

const assignment = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/

function unquote(raw: string): string {
  const value = raw.trim()
  if (value.length >= 2 && value[0] === value.at(-1) && (value[0] === '"' || value[0] === "'")) {
    const inner = value.slice(1, -1)
    // systemd expands \n, \", \\ in double quotes; single quotes are literal.
    return value[0] === '"' ? inner.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c)) : inner
  }
  return value
}

/**
 * `KEY=value` lines as systemd's `EnvironmentFile=` reads them (and dotenv): `#`/`;` comments, blank
 * lines, optional `export`, single or double quotes. So a command run by hand sees the same secrets
 * as the service. Throws CONFIG_NOT_FOUND / CONFIG_PARSE naming the file and line.
 */
export function readEnvFile(file: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new BridgeError(
      ErrorCodes.CONFIG_NOT_FOUND,
      `cannot read --env-file ${file}: ${errorMessage(err)}`,
      {
        kind: 'config',
      },
    )
  }
  const env: Record<string, string> = {}
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return
    const match = assignment.exec(trimmed)
    if (match === null) {
      throw new BridgeError(
        ErrorCodes.CONFIG_PARSE,
        `--env-file ${file} line ${index + 1} is not NAME=value; fix it or comment it out with #`,
        { kind: 'config' },
      )
    }
    env[match[1]!] = unquote(match[2]!)
  })
  return env
}
