import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/observability/logger.js'
import { formatPrettyLine, prettyDestination } from '../../../src/observability/pretty-destination.js'

describe('log.pretty', () => {
  it('lays each JSON line out for people, still redacted', async () => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (c: Buffer) => (text += c.toString()))
    const logger = createLogger({ level: 'info', destination: prettyDestination(out) })
    logger
      .child({ component: 'deliver' })
      .warn({ output: 'slack.support', token: 'xoxb-secret' }, 'delivery failed')
    logger.debug('not shown at info')
    await new Promise((r) => setImmediate(r))
    const lines = text.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d WARN {2}deliver {2}delivery failed {2}output=slack\.support {2}token=\[redacted\]$/,
    )
    expect(text).not.toContain('xoxb-secret')
  })

  it('passes through what is not JSON', () => {
    expect(formatPrettyLine('plain text')).toBe('plain text')
  })
})
