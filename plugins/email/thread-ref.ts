/**
 * What the bridge stores for an email mirror: the thread it started. Mail cannot be edited, so an
 * edit or a deletion is a follow-up that names the thread (`In-Reply-To`, `References`) and keeps
 * its subject; the ref grows by one id per follow-up.
 */
export interface EmailRef {
  /** Message-ID of the first mail, with angle brackets. */
  messageId: string
  /** Every id of the thread, oldest first, the first mail included. */
  references: string[]
  /** Subject the thread started with; follow-ups reuse it so clients keep them together. */
  subject: string
}

// Keep the first mail and the newest follow-ups: the References header (and the stored ref)
// stay bounded however often a message is edited, and clients still find the thread root.
const maxReferences = 30

const isId = (value: unknown): value is string =>
  typeof value === 'string' && /^<[^<>\s]+@[^<>\s]+>$/.test(value)

/** The ref as stored, or undefined when it is not an email thread (then the mirror is treated as gone). */
export function readRef(ref: unknown): EmailRef | undefined {
  if (ref === null || typeof ref !== 'object') return undefined
  const { messageId, references, subject } = ref as Partial<Record<keyof EmailRef, unknown>>
  if (!isId(messageId) || typeof subject !== 'string') return undefined
  const list = Array.isArray(references) ? references.filter(isId) : []
  return { messageId, references: list.length > 0 ? list : [messageId], subject }
}

export function startThread(messageId: string, subject: string): EmailRef {
  return { messageId, references: [messageId], subject }
}

/** The headers that place a follow-up in the thread: it answers the newest mail and lists them all. */
export function followUpHeaders(ref: EmailRef): { inReplyTo: string; references: string[] } {
  return { inReplyTo: ref.references[ref.references.length - 1] ?? ref.messageId, references: ref.references }
}

/** The ref after a follow-up with this id went out. */
export function extendThread(ref: EmailRef, messageId: string): EmailRef {
  const all = [...ref.references, messageId]
  const references =
    all.length <= maxReferences ? all : [ref.messageId, ...all.slice(all.length - maxReferences + 1)]
  return { messageId: ref.messageId, references, subject: ref.subject }
}
