import { afterEach, describe, expect, it, vi } from 'vitest'
import { runDemo } from '../../src/demo/run-demo.js'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('npm run demo', () => {
  it('shows three customers as three conversations, each in order, with an edit and a delete in one', async () => {
    const written: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    const code = await runDemo({ config: 'config/demo.yaml' })
    const out = written.join('')
    expect(code, out).toBe(0)
    for (const header of [
      '══ Telegram · Line 128 · Ivan Petrov ══',
      '══ WhatsApp · Line 128 · Maria Lopez ══',
      '══ Live chat · Line 128 · Kenji Sato ══',
    ]) {
      expect(out.split(header)).toHaveLength(2)
    }
    // Ivan's conversation, as the console printed it: in Bitrix24 order, then the edit and the delete.
    const ivan = [...out.matchAll(/── \[(\w+)\] [^\n]* chat 3001 · message (\d+)/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    )
    expect(ivan).toEqual([
      'created 4001',
      'created 4004',
      'created 4007',
      'created 4010',
      'updated 4010',
      'deleted 4007',
    ])
    expect(out).toContain('act two OK: 3 conversations, 12 messages, each chat in Bitrix24 order: true')
  }, 120_000)
})
