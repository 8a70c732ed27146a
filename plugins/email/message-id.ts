import { createHash, randomBytes } from 'node:crypto'
import type { MirrorMessage } from '../../src/model.js'

// Message-ID left parts must be dot-atoms (RFC 5322 §3.6.4); a portal key may be a domain.
function atom(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]+/g, '-') || 'x'
}

/**
 * `<olb.<portal>.<chatId>.<messageId>.<random>@<domain>>`. Random because the bridge cannot know
 * which ids an earlier install (or another output) already used; the id is kept in the ref and
 * every follow-up points back at it.
 */
export function newMessageId(
  msg: MirrorMessage,
  domain: string,
  random = randomBytes(8).toString('hex'),
): string {
  return `<olb.${atom(msg.portal)}.${msg.chatId}.${msg.messageId}.${random}@${domain}>`
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
