import type { MirrorFile } from '../model.js'
import { cleanFileName, isHttpUrl } from './file-label.js'

/** A file as JSON outputs (webhook, console `json`) send it. */
export interface FileFields {
  /** Bitrix24 Disk file id. */
  id: number
  /** Cleaned of control characters and capped (see file-label.ts): a portal's names are untrusted. */
  name: string
  /** Bytes; absent when Bitrix24 did not say (or the file is still uploading). */
  size?: number
  /** The Bitrix24 page of the file: opens only for a logged-in Bitrix24 user. '' while uploading. */
  url: string
  /** A public link (`bitrix.files: public-link`): opens without a login. */
  publicUrl?: string
}

/** Only http(s) URLs go out: a receiver may turn them into links. */
export function fileFields(file: MirrorFile): FileFields {
  const fields: FileFields = {
    id: typeof file.id === 'number' ? file.id : 0,
    name: cleanFileName(file.name, file.id),
    url: isHttpUrl(file.url) ? file.url.trim() : '',
  }
  if (typeof file.size === 'number' && file.size > 0) fields.size = file.size
  if (isHttpUrl(file.publicUrl)) fields.publicUrl = file.publicUrl.trim()
  return fields
}
