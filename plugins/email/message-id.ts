import { createHash } from 'node:crypto'
import type { MirrorMessage } from '../../src/model.js'

// Message-ID left parts must be dot-atoms (RFC 5322 §3.6.4); a portal key may be a domain.
function atom(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]+/g, '-') || 'x'
}

/**
 * `<olb.<portal>.<chatId>.<messageId>.<part>@<domain>>`. The part comes from the idempotency key
 * of the send (random per creation: the bridge cannot know which ids an earlier install or
 * another output already used) or, for follow-ups, from the job (`followUpPart`). The first id is
 * kept in the ref and every follow-up points back at it.
 */
export function newMessageId(msg: MirrorMessage, domain: string, part: string): string {
  return `<olb.${atom(msg.portal)}.${msg.chatId}.${msg.messageId}.${part}@${domain}>`
}

/**
 * A follow-up's Message-ID part (16 hex chars), derived from the job: the output, what the mail
 * does, the version it mirrors (`editedAt`, the event time) and what it says. A resend of the same
 * job after a crash gets the same id, so the server or the mail client shows one mail; another
 * edit, even back to an earlier text, another version and so another id.
 */
export function followUpPart(output: string, action: string, msg: MirrorMessage, body: string): string {
  return createHash('sha256')
    .update(JSON.stringify([output, action, msg.editedAt, body]))
    .digest('hex')
    .slice(0, 16)
}

/** A Message-ID part derived from the pipeline's idempotency key (16 hex chars). */
export function keyPart(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16)
}

/** The domain of an address in `bridge@example.com` or `Name <bridge@example.com>` form. */
export function domainOf(address: string): string | undefined {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address.trim())
  return match?.[1]?.replace(/\.$/, '') || undefined
}
