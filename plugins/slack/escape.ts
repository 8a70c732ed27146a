import { formatTimestamp } from '../../src/render/index.js'

// Slack decodes exactly these three in message text; everything else is literal
// (https://api.slack.com/reference/surfaces/formatting#escaping).
const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (ch) => entities[ch]!)
}

/** Length of one character once escaped. */
export function escapedLength(ch: string): number {
  return entities[ch]?.length ?? ch.length
}

// Only these schemes become links: a `javascript:` URL typed in a chat must not turn into one.
const safeUrl = /^(https?:\/\/|mailto:)\S/i

export function isSafeUrl(url: string): boolean {
  return safeUrl.test(url)
}

/**
 * `<url|label>`. Inside the brackets `>` ends the link and the first `|` ends the URL, so those
 * are percent-encoded in the URL; `&` stays raw there (`&c=2` is no entity Slack would decode).
 * In the label `|` becomes `¦`: Slack has no escape for it.
 */
export function linkToken(url: string, label: string): string {
  const target = url.trim().replace(/[<>|\s]/g, (ch) => encodeURIComponent(ch))
  const shown = label.replace(/\s+/g, ' ').trim()
  if (shown === '' || shown === url.trim()) return `<${target}>`
  return `<${target}|${escapeText(shown.replaceAll('|', '¦'))}>`
}

/** A date Slack shows in the reader's time zone, with a UTC fallback for clients that cannot. */
export function dateToken(seconds: number, format: string, fallback = formatTimestamp(seconds)): string {
  if (!Number.isFinite(seconds)) return escapeText(String(seconds))
  return `<!date^${Math.trunc(seconds)}^${format}|${escapeText(fallback.replace(/[|]/g, ' '))}>`
}
