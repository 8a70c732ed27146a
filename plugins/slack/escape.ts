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

// Slack's formatting markers. One typed in a chat must show as typed: a word joiner (U+2060,
// invisible, no break) on each side makes it neither an opening nor a closing marker, since
// Slack only honours a marker next to a space, punctuation or the end of the line on its outside.
const markers = /[*_~`]/g
const JOINER = '\u2060'

/** Text as it must appear in mrkdwn: escaped, and with typed formatting markers neutralized. */
export function escapeRunText(text: string): string {
  return escapeText(text).replace(markers, (ch) => `${JOINER}${ch}${JOINER}`)
}

/** Length of one character once written by `escapeRunText`. */
export function runCharLength(ch: string): number {
  return '*_~`'.includes(ch) ? ch.length + 2 * JOINER.length : escapedLength(ch)
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
  return `<${target}|${escapeRunText(shown.replaceAll('|', '¦'))}>`
}

/** A date Slack shows in the reader's time zone, with a UTC fallback for clients that cannot. */
export function dateToken(seconds: number, format: string, fallback = formatTimestamp(seconds)): string {
  if (!Number.isFinite(seconds)) return escapeText(String(seconds))
  return `<!date^${Math.trunc(seconds)}^${format}|${escapeText(fallback.replace(/[|]/g, ' '))}>`
}
