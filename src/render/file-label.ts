import type { MirrorFile } from '../model.js'

/** What every output shows for one attached file. Plain text: each output escapes it its own way. */
export interface FileLabel {
  /** The name, cleaned of control and direction characters and capped at `maxFileNameLength`. */
  name: string
  /** `1.2 MB`, when Bitrix24 said how big the file is. */
  size?: string
  /** `report.pdf (1.2 MB)`: the name with the size. */
  text: string
  /** Where the link goes: the public link when there is one, else the Bitrix24 page; absent when neither is a safe http(s) URL. */
  href?: string
  /** The link's words: they say whether a Bitrix24 login is needed. */
  linkText: string
  /** True when the link opens only for a logged-in Bitrix24 user. */
  needsLogin: boolean
}

/** A portal names files as users upload them: a hostile one may send megabytes. */
export const maxFileNameLength = 120

export const loginLinkText = 'open in Bitrix24 — login needed'
export const publicLinkText = 'open — public link, no login'
/** No link yet: Bitrix24 sends empty URLs while a file is still uploading. */
export const noLinkText = 'no link yet (still uploading in Bitrix24)'
/** Bitrix24 sent a link that is not a web address (`javascript:`…): it is not shown. */
export const unsafeLinkText = 'no link (Bitrix24 sent no web address)'

// Controls (Cc), format characters (Cf: zero-width, soft hyphen, and the bidi controls U+202A–202E
// and U+2066–2069 that can make `gpj.exe` read as `exe.jpg`), line and paragraph separators.
const unsafeChars = /[\p{Cc}\p{Cf}\u2028\u2029]/gu

/** Keeps the extension visible when cutting: `a-very-long…name.pdf`. */
function cap(name: string): string {
  const chars = [...name]
  if (chars.length <= maxFileNameLength) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 && name.length - dot <= 12 ? [...name.slice(dot)] : []
  const keep = maxFileNameLength - 1 - ext.length
  return `${chars.slice(0, keep).join('')}…${ext.join('')}`
}

export function cleanFileName(name: string, id = 0): string {
  const cleaned = cap(name.replace(unsafeChars, ' ').replace(/\s+/g, ' ').trim())
  return cleaned === '' ? (id > 0 ? `file ${id}` : 'file') : cleaned
}

const units = ['KB', 'MB', 'GB', 'TB']

/** Bytes as people read them (1024-based, as Bitrix24 shows sizes): `512 B`, `47.1 KB`, `1.2 MB`. */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return ''
  if (bytes < 1024) return `${Math.round(bytes)} B`
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  const shown = value < 100 ? (Math.round(value * 10) / 10).toString() : Math.round(value).toString()
  return `${shown} ${units[unit]}`
}

/** Only http(s) links: a portal could send `javascript:` or `data:` URLs. */
export function isHttpUrl(url: string | undefined): url is string {
  if (url === undefined || url.trim() === '') return false
  try {
    const parsed = new URL(url.trim())
    return parsed.protocol === 'https:' || parsed.protocol === 'http:'
  } catch {
    return false
  }
}

/**
 * The label every output renders for a file: `report.pdf (1.2 MB)` and a link whose words say
 * whether it needs a Bitrix24 login (`urlShow`/`urlDownload` are portal pages behind the login;
 * a `disk.file.getExternalLink` public link is not).
 */
export function fileLabel(file: MirrorFile): FileLabel {
  const name = cleanFileName(file.name, file.id)
  const size = typeof file.size === 'number' && file.size > 0 ? humanSize(file.size) : undefined
  const label: FileLabel = {
    name,
    text: size === undefined ? name : `${name} (${size})`,
    linkText: file.url.trim() === '' ? noLinkText : unsafeLinkText,
    needsLogin: true,
  }
  if (size !== undefined) label.size = size
  if (isHttpUrl(file.publicUrl)) {
    return { ...label, href: file.publicUrl.trim(), linkText: publicLinkText, needsLogin: false }
  }
  if (isHttpUrl(file.url)) return { ...label, href: file.url.trim(), linkText: loginLinkText }
  return label
}
