/**
 * Just enough MIME for the email tests: unfolded headers with RFC 2047 words decoded, and the leaf
 * parts of (nested) multiparts with their transfer encoding undone. Not a general mail parser.
 */
export interface MimePart {
  contentType: string
  headers: Map<string, string>
  body: string
}

export interface ParsedMail {
  headers: Map<string, string>
  /** Header value by case-insensitive name. */
  header(name: string): string | undefined
  /** `multipart/alternative` etc.; the root content type without parameters. */
  contentType: string
  /** Leaf parts in order (the root itself for a single-part mail). */
  parts: MimePart[]
  /** The body of the first part of this type (`text/plain`, `text/html`). */
  part(type: string): string | undefined
}

function decodeWord(charset: string, encoding: string, text: string): string {
  const bytes =
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        )
  return new TextDecoder(charset).decode(bytes)
}

/** RFC 2047 encoded words; the space between two adjacent words is not part of the text. */
export function decodeHeader(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, cs: string, enc: string, text: string) =>
      decodeWord(cs, enc, text),
    )
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>()
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    headers.set(line.slice(0, colon).trim().toLowerCase(), decodeHeader(line.slice(colon + 1).trim()))
  }
  return headers
}

export function decodeQuotedPrintable(text: string): string {
  const binary = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return Buffer.from(binary, 'latin1').toString('utf8')
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    case 'quoted-printable':
      return decodeQuotedPrintable(body)
    default:
      return body
  }
}

function split(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n')
  if (at < 0) return { headers: parseHeaders(raw), body: '' }
  return { headers: parseHeaders(raw.slice(0, at)), body: raw.slice(at + 4) }
}

function leaves(headers: Map<string, string>, body: string): MimePart[] {
  const contentType = headers.get('content-type') ?? 'text/plain'
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!type.startsWith('multipart/') || boundary === undefined) {
    // SMTP carries CRLF; tests compare with the LF text the plugin composed.
    const decoded = decodeBody(body, headers.get('content-transfer-encoding')).replace(/\r\n/g, '\n')
    return [{ contentType: type, headers, body: decoded }]
  }
  const sections = body.split(`--${boundary}`).slice(1)
  const out: MimePart[] = []
  for (const section of sections) {
    if (section.startsWith('--')) break
    const part = split(section.replace(/^\r\n/, '').replace(/\r\n$/, ''))
    out.push(...leaves(part.headers, part.body))
  }
  return out
}

export function parseMail(raw: string): ParsedMail {
  const { headers, body } = split(raw)
  const parts = leaves(headers, body)
  return {
    headers,
    header: (name) => headers.get(name.toLowerCase()),
    contentType: (headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase(),
    parts,
    part: (type) => parts.find((p) => p.contentType === type)?.body,
  }
}
