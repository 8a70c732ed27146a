import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { BridgeError, ErrorCodes } from '../errors.js'

/** Marks a sealed value; anything without it is plain text (written before a key was set). */
const PREFIX = 'enc:v1:'

/**
 * Seals secrets for storage with AES-256-GCM when a key is set, and passes them through when not.
 * The `context` (e.g. `<member_id>:refresh_token`) is bound as associated data, so a sealed value
 * copied into another row or column does not open.
 */
export interface SecretBox {
  readonly encrypting: boolean
  seal(plain: string, context: string): string
  /** Opens a sealed value (or returns a plain one as is). Throws BRG_ERR_STORE_SECRET when it cannot. */
  open(stored: string, context: string): string
}

/** 64 hex characters or base64 (standard or URL-safe) of exactly 32 bytes; undefined otherwise. */
export function parseEncryptionKey(text: string): Buffer | undefined {
  const value = text.trim()
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex')
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value, 'base64')
    if (key.length === 32) return key
  }
  return undefined
}

function secretError(message: string, cause?: unknown): BridgeError {
  return new BridgeError(ErrorCodes.STORE_SECRET, message, { kind: 'config', cause })
}

export function createSecretBox(encryptionKey: string | undefined): SecretBox {
  const key =
    encryptionKey === undefined || encryptionKey === '' ? undefined : parseEncryptionKey(encryptionKey)
  if (encryptionKey !== undefined && encryptionKey !== '' && key === undefined) {
    throw secretError('storage.encryptionKey must be 32 bytes as 64 hex characters or base64')
  }
  return {
    encrypting: key !== undefined,
    seal(plain, context) {
      if (key === undefined) return plain
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return `${PREFIX}${iv.toString('base64')}.${tag.toString('base64')}.${body.toString('base64')}`
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) return stored
      if (key === undefined) {
        throw secretError(
          'the store holds encrypted tokens but storage.encryptionKey is not set; set it to the key they were written with',
        )
      }
      const [iv = '', tag = '', body = ''] = stored.slice(PREFIX.length).split('.')
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'))
        decipher.setAAD(Buffer.from(context, 'utf8'))
        decipher.setAuthTag(Buffer.from(tag, 'base64'))
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
          'utf8',
        )
      } catch (err) {
        throw secretError(
          'a stored token cannot be decrypted: storage.encryptionKey differs from the key it was written with (or the database was altered); restore the old key, or re-install the app on the portal',
          err,
        )
      }
    },
  }
}
