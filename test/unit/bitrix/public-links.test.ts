import { describe, expect, it } from 'vitest'
import { parseBatchResult } from '../../../src/bitrix/batch.js'
import { bitrixErrorFrom } from '../../../src/bitrix/errors.js'
import { messageFromDialogReply } from '../../../src/bitrix/parse-message.js'
import {
  isLinkRefused,
  type PublicLinkFailure,
  readPublicLinks,
  withPublicLinks,
} from '../../../src/bitrix/public-links.js'
import type { BitrixMessage } from '../../../src/bitrix/types.js'
import { restFixture } from './fixture.js'

function withFiles(): BitrixMessage {
  const message = messageFromDialogReply(restFixture('im.dialog.messages.get.with-files.json').result, 2061)
  if (typeof message === 'string') throw new Error('fixture not read')
  return message
}

describe('readPublicLinks', () => {
  it('asks disk.file.getExternalLink once per file and reads the batch reply’s links and errors', async () => {
    const sent: string[] = []
    const failures: PublicLinkFailure[] = []
    const links = await readPublicLinks(
      [withFiles(), withFiles()],
      async (commands) => {
        sent.push(...commands.map((c) => `${c.key} ${c.method} ${JSON.stringify(c.params)}`))
        return parseBatchResult(restFixture('batch.disk-external-links.json').result, commands, 'p.test')
      },
      (failure) => failures.push(failure),
    )
    expect(sent).toEqual([
      'f331 disk.file.getExternalLink {"id":331}',
      'f332 disk.file.getExternalLink {"id":332}',
      'f333 disk.file.getExternalLink {"id":333}',
    ])
    expect([...links]).toEqual([
      [331, 'https://example-portal.bitrix24.com/~4Pie9'],
      [332, 'https://example-portal.bitrix24.com/~Fjruf2'],
    ])
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ fileId: 333, refused: false })
    expect(failures[0]?.error.bitrixCode).toBe('ERROR_NOT_FOUND')

    const message = withPublicLinks(withFiles(), links)
    expect(message.files.map((f) => [f.id, f.publicUrl])).toEqual([
      [331, 'https://example-portal.bitrix24.com/~4Pie9'],
      [332, 'https://example-portal.bitrix24.com/~Fjruf2'],
      [333, undefined],
    ])
    // The login link stays: outputs that cannot use the public one still have it.
    expect(message.files[0]?.url).toContain('fileId=331')
  })

  it('takes only web links as public links', async () => {
    const failures: PublicLinkFailure[] = []
    const links = await readPublicLinks(
      [withFiles()],
      async (commands) => new Map(commands.map((c) => [c.key, { ok: true, result: 'javascript:alert(1)' }])),
      (failure) => failures.push(failure),
    )
    expect(links.size).toBe(0)
    expect(failures.map((f) => f.error.bitrixCode)).toEqual(['BAD_REPLY', 'BAD_REPLY', 'BAD_REPLY'])
  })

  it('makes no request for messages without files', async () => {
    let calls = 0
    const message = { ...withFiles(), files: [] }
    await readPublicLinks(
      [message],
      async () => {
        calls += 1
        return new Map()
      },
      () => {},
    )
    expect(calls).toBe(0)
  })

  it('counts scope, rights and a missing Disk module as refusals, not a lost file', () => {
    const refused = (body: string) =>
      isLinkRefused(bitrixErrorFrom(403, restFixture(body), { method: 'disk.file.getExternalLink' }))
    expect(refused('error.insufficient-scope.403.json')).toBe(true)
    expect(refused('disk.file.getExternalLink.access-denied.403.json')).toBe(true)
    expect(refused('disk.file.getExternalLink.not-found.400.json')).toBe(false)
    expect(isLinkRefused(bitrixErrorFrom(404, { error: 'ERROR_METHOD_NOT_FOUND' }))).toBe(true)
  })
})
