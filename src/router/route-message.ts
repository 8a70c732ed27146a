import type { RouteConfig, RouteMatch } from '../config/types.js'

/** The routing facts of one message. */
export interface RouteSubject {
  portal: string
  /** Portal domain: a route's `portal` may name either the member id or the domain. */
  domain: string
  connector: string
  line: number
  chatId: number
}

function matches(match: RouteMatch, subject: RouteSubject): boolean {
  if (match.portal && !match.portal.includes(subject.portal) && !match.portal.includes(subject.domain)) {
    return false
  }
  if (match.connector && !match.connector.includes(subject.connector)) return false
  if (match.line && !match.line.includes(subject.line)) return false
  if (match.chat && !match.chat.includes(subject.chatId)) return false
  return true
}

/**
 * Output ids for a message: the union of every matching route's `to`, in config order, without
 * duplicates. Keys of one `match` are AND-ed, values of one key OR-ed; an empty match is every message.
 */
export function routeMessage(routes: readonly RouteConfig[], subject: RouteSubject): string[] {
  const out = new Set<string>()
  for (const route of routes) {
    if (!matches(route.match, subject)) continue
    for (const id of route.to) out.add(id)
  }
  return [...out]
}
