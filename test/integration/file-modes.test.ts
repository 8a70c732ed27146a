import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js'
import { captureLog } from '../support/capture-log.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'olb-modes-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const modeOf = (path: string) => statSync(path).mode & 0o777

describe('data directory and database file modes', () => {
  it('creates the data directory 0700 and bridge.db, -wal and -shm 0600 (whatever the umask)', async () => {
    const previous = process.umask(0o022)
    try {
      const path = join(dir, 'data', 'bridge.db')
      const store = openSqliteStore({ path })
      await store.enqueue([{ queue: 'fetch', key: 'k', group: 'g', payload: { x: 1 } }])
      expect(modeOf(join(dir, 'data')).toString(8)).toBe('700')
      for (const file of ['bridge.db', 'bridge.db-wal', 'bridge.db-shm']) {
        expect({ file, mode: modeOf(join(dir, 'data', file)).toString(8) }).toEqual({ file, mode: '600' })
      }
      await store.close()
    } finally {
      process.umask(previous)
    }
  })

  it('warns at start when an existing directory or database file is readable by others, and names the fix', async () => {
    const data = join(dir, 'data')
    mkdirSync(data)
    chmodSync(data, 0o755)
    const path = join(data, 'bridge.db')
    writeFileSync(path, '')
    chmodSync(path, 0o644)
    const log = captureLog('warn')
    const store = openSqliteStore({ path, logger: log.logger })
    await store.close()
    const warned = log.lines.map((l) => [l.path, l.mode, l.wanted])
    expect(warned).toEqual(
      expect.arrayContaining([
        [data, '0755', '0700'],
        [path, '0644', '0600'],
      ]),
    )
    expect(log.lines.map((l) => String(l.msg)).join('\n')).toContain(`chmod 600`)
    // A private store warns about nothing.
    chmodSync(data, 0o700)
    chmodSync(path, 0o600)
    for (const suffix of ['-wal', '-shm']) {
      try {
        chmodSync(`${path}${suffix}`, 0o600)
      } catch {}
    }
    const quiet = captureLog('warn')
    await openSqliteStore({ path, logger: quiet.logger }).close()
    expect(quiet.lines).toEqual([])
  })
})
