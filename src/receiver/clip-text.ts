/** How much of an event-supplied string may reach a log line or an answer. */
export const EVENT_TEXT_LIMIT = 64

/**
 * Cuts a string an event supplied (member_id, domain, event type…) to `limit` characters with an
 * ellipsis, so a 250 kB value costs a 250 kB answer or log line never again. Non-strings become
 * their type name; `undefined` stays `undefined` (pino leaves the field out).
 */
export function clipText(value: unknown, limit = EVENT_TEXT_LIMIT): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') return typeof value
  if (value.length <= limit) return value
  let cut = value.slice(0, limit)
  // Never leave half of a surrogate pair at the end.
  const last = cut.charCodeAt(cut.length - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1)
  return `${cut}…`
}
