import { ErrorCodes } from '../errors.js'
import type { MirrorFile } from '../model.js'
import { isHttpUrl } from '../render/file-label.js'
import type { BatchCommand, BatchItem } from './batch.js'
import { BitrixError } from './errors.js'
import type { BitrixMessage } from './types.js'

/** Why a file got no public link: the portal's answer, as the bridge logs it. */
export interface PublicLinkFailure {
  fileId: number
  error: BitrixError
  /** The portal will not hand this webhook or app public links (scope, rights, no Disk module). */
  refused: boolean
}

// The answers that mean "not for this webhook or app", as opposed to one file gone or a passing
// failure: `insufficient_scope` (no `disk` scope), `ACCESS_DENIED` (the user may not read the file,
// or the plan has no REST), `INVALID_CREDENTIALS`, `user_access_error`, and
// `ERROR_METHOD_NOT_FOUND` (a portal without the Disk module).
const refusedCodes = new Set([
  'INSUFFICIENT_SCOPE',
  'ACCESS_DENIED',
  'INVALID_CREDENTIALS',
  'USER_ACCESS_ERROR',
  'ERROR_METHOD_NOT_FOUND',
])

export function isLinkRefused(error: BitrixError): boolean {
  return refusedCodes.has(error.bitrixCode.toUpperCase())
}

/** The files of these messages that have a Disk id, once each. */
function fileIds(messages: readonly BitrixMessage[]): number[] {
  const ids = new Set<number>()
  for (const message of messages) for (const file of message.files) if (file.id > 0) ids.add(file.id)
  return [...ids]
}

/**
 * `disk.file.getExternalLink {id}` for every file of the messages read (one batch request for up
 * to 50 files; file ids are known only once the messages are read, so this is the batch after the
 * read). `result` is the public link, a URL string; the portal returns the same link on every call
 * for the same user and file. A file whose call fails keeps its login-only link: `onFailure` hears
 * why, and the read itself never fails over it.
 * https://apidocs.bitrix24.com/api-reference/disk/file/disk-file-get-external-link.html
 */
export async function readPublicLinks(
  messages: readonly BitrixMessage[],
  run: (commands: BatchCommand[]) => Promise<Map<string, BatchItem>>,
  onFailure: (failure: PublicLinkFailure) => void,
): Promise<Map<number, string>> {
  const links = new Map<number, string>()
  const ids = fileIds(messages)
  if (ids.length === 0) return links
  const commands = ids.map((id) => ({ key: `f${id}`, method: 'disk.file.getExternalLink', params: { id } }))
  const replies = await run(commands)
  for (const id of ids) {
    const item = replies.get(`f${id}`)
    if (item === undefined) continue
    if (!item.ok) {
      onFailure({ fileId: id, error: item.error, refused: isLinkRefused(item.error) })
    } else if (typeof item.result === 'string' && isHttpUrl(item.result)) {
      links.set(id, item.result.trim())
    } else {
      const error = new BitrixError(
        ErrorCodes.BITRIX_BAD_REPLY,
        `disk.file.getExternalLink answered file ${id} with something that is not a web link`,
        { bitrixCode: 'BAD_REPLY', retryable: false },
      )
      onFailure({ fileId: id, error, refused: false })
    }
  }
  return links
}

/** The message with each file's public link, where one was read. */
export function withPublicLinks(message: BitrixMessage, links: ReadonlyMap<number, string>): BitrixMessage {
  if (links.size === 0 || message.files.length === 0) return message
  const files = message.files.map((file): MirrorFile => {
    const publicUrl = links.get(file.id)
    return publicUrl === undefined ? file : { ...file, publicUrl }
  })
  return { ...message, files }
}

interface NoticeLogger {
  warn(fields: object, message: string): void
  debug(fields: object, message: string): void
}

function advice(failure: PublicLinkFailure): string {
  const code = failure.error.bitrixCode.toUpperCase()
  if (code === 'INSUFFICIENT_SCOPE') {
    return 'add the disk scope to the incoming webhook (or to the app, then reinstall it), or set bitrix.files: link'
  }
  if (code === 'ERROR_METHOD_NOT_FOUND') {
    return 'the portal has no Disk module (or the webhook no disk scope); set bitrix.files: link'
  }
  if (failure.refused) {
    return "the webhook or app user may not read the chat's files or make public links (check its rights and the portal's Disk setting for public links), or set bitrix.files: link"
  }
  return 'the bridge asks again on the next edit of the message'
}

/**
 * What the bridge logs when a file gets no public link: once per portal and Bitrix24 error code at
 * warn (with what to do), every later time at debug. Mirrors go out with the login-only link.
 */
export function createPublicLinkNotices(logger: NoticeLogger | undefined) {
  const seen = new Set<string>()
  return (portal: string) =>
    (failure: PublicLinkFailure): void => {
      const key = `${portal}\n${failure.error.bitrixCode}`
      const fields = {
        code: ErrorCodes.BITRIX_NO_PUBLIC_LINK,
        portal,
        fileId: failure.fileId,
        bitrixCode: failure.error.bitrixCode,
      }
      const message = `no public link for file ${failure.fileId} on portal ${portal} (${failure.error.bitrixCode}); files are mirrored with their Bitrix24 link, which needs a login; ${advice(failure)}`
      if (seen.has(key)) {
        logger?.debug(fields, message)
        return
      }
      seen.add(key)
      logger?.warn(fields, message)
    }
}
