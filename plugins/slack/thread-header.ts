import type { MirrorConversation } from '../../src/model.js'
import { conversationHeader } from '../../src/plugins/conversation-header.js'
import { escapeText, isSafeUrl, linkToken } from './escape.js'
import type { SlackThreadRef } from './ref.js'

/** A Slack permalink: `<workspace>/archives/<channel>/p<ts without the dot>`. */
function permalink(workspaceUrl: string, thread: SlackThreadRef): string {
  const base = workspaceUrl.endsWith('/') ? workspaceUrl : `${workspaceUrl}/`
  return `${base}archives/${thread.channel}/p${thread.ts.replace('.', '')}`
}

/**
 * The post a chat's thread hangs under: `*<chat link|Telegram · Line 128 · Ivan Petrov>*`, the
 * chat title, and for a returning customer's new session a link back to the previous thread.
 */
export function headerText(
  conversation: MirrorConversation,
  previous: SlackThreadRef | undefined,
  workspaceUrl: string | undefined,
): string {
  const header = conversationHeader(conversation)
  const title = isSafeUrl(conversation.url) ? linkToken(conversation.url, header) : escapeText(header)
  const lines = [`*${title}*`, `_${escapeText(conversation.title)}_`]
  if (previous !== undefined) {
    lines.push(
      workspaceUrl === undefined
        ? 'A new session of an earlier conversation.'
        : linkToken(permalink(workspaceUrl, previous), 'Previous session'),
    )
  }
  return lines.join('\n')
}
