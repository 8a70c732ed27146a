import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BridgeError, ErrorCodes } from '../../../src/errors.js'
import { createSecretBox, parseEncryptionKey } from '../../../src/store/secret-box.js'
import { openSqliteStore } from '../../../src/store/sqlite/index.js'
import { credentials } from '../../support/store-behaviour.js'

const KEY = Buffer.alloc(32, 1).toString('base64')
const OTHER_KEY = 'ab'.repeat(32)
let dir: string
let path: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'olb-secrets-'))
  path = join(dir, 'bridge.db')
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function rawPortals(): string {
  const db = new Database(path, { readonly: true })
  try {
    return JSON.stringify(db.prepare('SELECT * FROM portals').all())
  } finally {
    db.close()
  }
}

describe('tokens at rest', () => {
  it('are AES-256-GCM sealed with a key, and read back in clear', async () => {
    const store = openSqliteStore({ path, encryptionKey: KEY })
    await store.savePortal(credentials())
    const raw = rawPortals()
    for (const secret of ['app-token-a', 'access-a-1', 'refresh-a-1']) expect(raw).not.toContain(secret)
    expect(raw.match(/enc:v1:/g)).toHaveLength(3)
    expect(await store.getPortal('member-a')).toEqual(credentials())
    await store.close()
  })

  it('are plain without a key; a key set later still reads them and seals them on the next save', async () => {
    const plain = openSqliteStore({ path })
    await plain.savePortal(credentials())
    await plain.close()
    expect(rawPortals()).toContain('refresh-a-1')
    const keyed = openSqliteStore({ path, encryptionKey: KEY })
    expect((await keyed.getPortal('member-a'))?.refreshToken).toBe('refresh-a-1')
    await keyed.savePortal(credentials())
    await keyed.close()
    expect(rawPortals()).not.toContain('refresh-a-1')
  })

  it('say what to do when the key is missing or different', async () => {
    const keyed = openSqliteStore({ path, encryptionKey: KEY })
    await keyed.savePortal(credentials())
    await keyed.close()
    for (const encryptionKey of [undefined, OTHER_KEY]) {
      const store = openSqliteStore(encryptionKey === undefined ? { path } : { path, encryptionKey })
      const err = await store.listPortals().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(BridgeError)
      expect((err as BridgeError).code).toBe(ErrorCodes.STORE_SECRET)
      expect((err as BridgeError).message).toMatch(/storage\.encryptionKey/)
      await store.close()
    }
  })

  it('a sealed value does not open under another context (copied into another row)', () => {
    const box = createSecretBox(KEY)
    const sealed = box.seal('secret', 'member-a:access_token')
    expect(box.open(sealed, 'member-a:access_token')).toBe('secret')
    expect(() => box.open(sealed, 'member-b:access_token')).toThrow(BridgeError)
  })

  it('accepts a key as 64 hex characters or base64 of 32 bytes, and nothing else', () => {
    expect(parseEncryptionKey(OTHER_KEY)?.length).toBe(32)
    expect(parseEncryptionKey(KEY)?.length).toBe(32)
    expect(parseEncryptionKey('too-short')).toBeUndefined()
    expect(parseEncryptionKey(Buffer.alloc(16).toString('base64'))).toBeUndefined()
  })
})
