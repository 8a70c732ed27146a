/**
 * How a Slack client shows a stored message `text` (mrkdwn), as HTML, so tests can check what a
 * reader sees: `<b> <i> <s> <code> <pre> <blockquote>`, links as `<a href>`, mentions and channel
 * links as `<mention>`. Text stays entity-escaped, as Slack stores it.
 *
 * Markers (https://docs.slack.dev/messaging/formatting-message-text, test/fixtures/slack/README.md):
 * `*bold*`, `_italic_`, `~strike~`, `` `code` `` on one line. A marker opens at the start of the
 * line, after whitespace, after opening punctuation or another marker, and must touch non-space
 * text; it closes before the end of the line, whitespace, punctuation or another marker, after
 * non-space text. Anything else (a letter, a digit, a word joiner U+2060) next to it on the
 * outside makes it a plain character.
 */
const MARKERS: Record<string, string> = { '*': 'b', _: 'i', '~': 's', '`': 'code' }
const BEFORE_OPEN = /[\s([{"'“‘*_~`-]/
const AFTER_CLOSE = /[\s.,;:!?)\]}"'”’*_~`-]/
// Private-use characters stand in for `<…>` tokens while markers are matched.
const TOKEN_BASE = 0xe000

function canOpen(s: string, i: number): boolean {
  const before = i === 0 ? ' ' : s[i - 1]!
  const after = s[i + 1]
  return BEFORE_OPEN.test(before) && after !== undefined && !/\s/.test(after)
}

function canClose(s: string, j: number, open: number): boolean {
  if (j <= open + 1) return false
  const after = j + 1 >= s.length ? ' ' : s[j + 1]!
  return !/\s/.test(s[j - 1]!) && AFTER_CLOSE.test(after)
}

function inline(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const tag = MARKERS[s[i]!]
    if (tag === undefined || !canOpen(s, i)) continue
    for (let j = s.indexOf(s[i]!, i + 2); j >= 0; j = s.indexOf(s[i]!, j + 1)) {
      if (!canClose(s, j, i)) continue
      const inner = s.slice(i + 1, j)
      const body = tag === 'code' ? inner : inline(inner)
      return `${s.slice(0, i)}<${tag}>${body}</${tag}>${inline(s.slice(j + 1))}`
    }
  }
  return s
}

function token(inner: string): string {
  if (/^[@#!]/.test(inner)) return `<mention>${inner}</mention>`
  const bar = inner.indexOf('|')
  if (inner.startsWith('!date^')) return bar < 0 ? '' : inner.slice(bar + 1)
  const url = bar < 0 ? inner : inner.slice(0, bar)
  const label = bar < 0 ? inner : inner.slice(bar + 1)
  return `<a href="${url}">${label}</a>`
}

function renderLine(line: string): string {
  const tokens: string[] = []
  const masked = line.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    tokens.push(token(inner))
    return String.fromCharCode(TOKEN_BASE + tokens.length - 1)
  })
  return inline(masked).replace(/[\ue000-\uf8ff]/g, (ch) => tokens[ch.charCodeAt(0) - TOKEN_BASE] ?? ch)
}

/** The message as a client renders it. */
export function renderMrkdwn(text: string): string {
  const out: string[] = []
  let fence: string[] | undefined
  for (const raw of text.split('\n')) {
    const quoted = /^>( |$)/.test(raw)
    const line = quoted ? raw.replace(/^> ?/, '') : raw
    const wrap = (html: string) => (quoted ? `<blockquote>${html}</blockquote>` : html)
    if (fence !== undefined) {
      if (line === '```') {
        out.push(wrap(`<pre>${fence.join('\n')}</pre>`))
        fence = undefined
      } else fence.push(line)
      continue
    }
    if (line === '```') fence = []
    else out.push(wrap(renderLine(line)))
  }
  if (fence !== undefined) out.push(['```', ...fence].join('\n'))
  return out.join('\n')
}

/** What a reader sees, as plain text: tags dropped, entities decoded, word joiners gone. */
export function visibleMrkdwn(text: string): string {
  return renderMrkdwn(text)
    .replace(/<[^<>]*>/g, '')
    .replaceAll('\u2060', '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}
