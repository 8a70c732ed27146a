import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { checkConfigCommand } from '../../src/cli/check-config-command.js'

async function check(doc: object): Promise<{ out: string; err: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'olb-check-'))
  try {
    const file = join(dir, 'bridge.json')
    await writeFile(file, JSON.stringify({ outputs: { 'console.main': { type: 'console' } }, ...doc }))
    const [out, err] = [new PassThrough(), new PassThrough()]
    const text = { out: '', err: '' }
    out.on('data', (c: Buffer) => (text.out += c.toString('utf8')))
    err.on('data', (c: Buffer) => (text.err += c.toString('utf8')))
    await checkConfigCommand({ config: file }, out, err)
    return text
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('check-config and secrets at rest', () => {
  it('warns when storage.encryptionKey is not set, and not when it is', async () => {
    const app = { clientId: 'local.1', clientSecret: 'do-not-print-me' }
    const plain = await check({ bitrix: { app } })
    expect(plain.out).toContain('mode: OAuth app local.1')
    expect(plain.err).toMatch(/warning: storage\.encryptionKey is not set/)
    expect(plain.out + plain.err).not.toContain('do-not-print-me')
    const sealed = await check({ bitrix: { app }, storage: { encryptionKey: 'ab'.repeat(32) } })
    expect(sealed.err).toBe('')
  })
})
