/**
 * What Slack's server does to a message `text` before storing it, per `parse` mode
 * (test/fixtures/slack/parse-modes.json names the documentation):
 * - `none`: nothing (chat.postMessage's default);
 * - `client`: bare URLs become links, URL markup (`<https://…|label>`) is not supported and shows
 *   as text; other control sequences stay (chat.update's default);
 * - `full`: the text is taken as unformatted (every `& < >` becomes an entity), then URLs,
 *   `#channel` names and `@user` names (and `@everyone`, `@channel`, `@here`) become links.
 */
export type ParseMode = 'none' | 'client' | 'full'

export interface SlackDirectory {
  users: readonly { id: string; name: string }[]
  channels: readonly { id: string; name: string }[]
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }
// A URL ends at whitespace, at markup, at `|`, and before an escaped bracket.
const bareUrl = /\b(?:https?:\/\/|mailto:)(?:(?!&lt;|&gt;)[^\s<>|])+/g
const urlMarkup = /<((?:https?:\/\/|mailto:)[^<>]*)>/g
const names = /(^|[\s(])([@#])([A-Za-z0-9][\w.-]*)/g
const specials = new Set(['everyone', 'channel', 'here'])

/** Apply `fn` to the text outside `<…>` control sequences only. */
function outsideMarkup(text: string, fn: (plain: string) => string): string {
  return text
    .split(/(<[^<>]*>)/)
    .map((piece, index) => (index % 2 === 1 ? piece : fn(piece)))
    .join('')
}

function linkUrls(text: string): string {
  return outsideMarkup(text, (plain) => plain.replace(bareUrl, (url) => `<${url}>`))
}

function linkNames(text: string, directory: SlackDirectory): string {
  return outsideMarkup(text, (plain) =>
    plain.replace(names, (whole, before: string, sigil: string, name: string) => {
      if (sigil === '@' && specials.has(name)) return `${before}<!${name}>`
      const list = sigil === '@' ? directory.users : directory.channels
      const found = list.find((entry) => entry.name === name)
      if (!found) return whole
      return `${before}<${sigil}${found.id}|${found.name}>`
    }),
  )
}

export function parseModeOf(value: string | undefined, fallback: ParseMode): ParseMode {
  return value === 'none' || value === 'client' || value === 'full' ? value : fallback
}

export function applyParse(text: string, mode: ParseMode, directory: SlackDirectory): string {
  if (mode === 'none') return text
  if (mode === 'full') return linkNames(linkUrls(text.replace(/[&<>]/g, (ch) => entities[ch]!)), directory)
  return linkUrls(text.replace(urlMarkup, '&lt;$1&gt;'))
}
