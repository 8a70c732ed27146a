import { describe, expect, it } from 'vitest'
import emailPlugin from '../../../../plugins/email/index.js'
import { isBridgeError } from '../../../../src/errors.js'
import { silentLogger } from '../../../../src/observability/logger.js'
import { validateOptions } from '../../../../src/plugins/registry.js'

const base = { smtp: { host: 'smtp.example.com' }, from: 'bridge@example.com', to: ['a@example.com'] }

function problems(options: Record<string, unknown>): string {
  try {
    validateOptions(emailPlugin, 'email.x', options)
  } catch (err) {
    if (isBridgeError(err)) return err.message
    throw err
  }
  return ''
}

describe('email options', () => {
  it('fills the documented defaults', () => {
    const options = validateOptions(emailPlugin, 'email.x', base)
    expect(options).toMatchObject({
      smtp: { host: 'smtp.example.com', secure: false, timeoutMs: 30_000 },
      subjectTemplate: '[Open line {line} · {connector}] Chat {chatId}',
      showPrevious: true,
      showAuthor: true,
      showEditedBy: false,
    })
  })

  it('requires smtp.host, from and at least one recipient, and names unknown options', () => {
    // The same path style as the config loader's problems: output ids with a dot are bracketed.
    expect(problems({ ...base, to: [] })).toContain(
      'outputs["email.x"].to: must NOT have fewer than 1 items (got [])',
    )
    expect(problems({ smtp: {}, to: ['a@example.com'] })).toContain('outputs["email.x"].from: is required')
    expect(problems({ ...base, smtp: {} })).toContain('outputs["email.x"].smtp.host: is required')
    expect(problems({ ...base, smtp: { host: 'h', password: 'x' } })).toContain(
      'outputs["email.x"].smtp.password: unknown option',
    )
    expect(problems({ ...base, smtp: { host: 'h', auth: { user: 'u' } } })).toContain(
      'smtp.auth.pass: is required',
    )
  })

  it('asks for a Message-ID domain when from has none it can use', () => {
    const context = { id: 'email.x', logger: silentLogger(), fetch, policy: { editMarker: '(edited)' } }
    const options = validateOptions(emailPlugin, 'email.x', { ...base, from: 'bridge@localhost_' })
    expect(() => emailPlugin.create(options, context)).toThrow('set outputs["email.x"].domain')
    expect(() => emailPlugin.create({ ...options, domain: 'example.com' }, context)).not.toThrow()
  })
})
