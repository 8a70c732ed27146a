import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export interface Session {
  id: string
  /** Sent with every action (form field `_csrf` or header `x-csrf-token`). */
  csrf: string
  expiresAt: number
}

export interface Sessions {
  /** A new session when `token` is the admin token, else undefined. */
  login(token: string): Session | undefined
  /** The cookie value for a session: `<id>.<signature>`. */
  cookie(session: Session): string
  /** The live session a cookie value names, if its signature holds and it has not expired. */
  fromCookie(value: string | undefined): Session | undefined
  logout(session: Session): void
  /** True when `sent` is the session's CSRF token. */
  csrfOk(session: Session, sent: string | undefined): boolean
}

const digest = (s: string) => createHash('sha256').update(s).digest()
/** Compares fixed-length digests, so neither the value nor its length leaks through timing. */
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b))

/**
 * Console sessions, in memory (a restart logs everyone out). The cookie carries a random id
 * signed with a per-process key; the CSRF token is a second random value bound to the session.
 */
export function createSessions(deps: {
  token: string
  now: () => number
  ttlMs?: number
  maxSessions?: number
}): Sessions {
  const key = randomBytes(32)
  const ttlMs = deps.ttlMs ?? 12 * 3600_000
  const maxSessions = deps.maxSessions ?? 1000
  const live = new Map<string, Session>()
  const sign = (id: string) => createHmac('sha256', key).update(id).digest('base64url')

  return {
    login(token) {
      if (deps.token === '' || !same(token, deps.token)) return undefined
      const session = {
        id: randomBytes(24).toString('base64url'),
        csrf: randomBytes(24).toString('base64url'),
        expiresAt: deps.now() + ttlMs,
      }
      // Oldest first in a Map: drop the oldest session rather than grow without bound.
      if (live.size >= maxSessions) live.delete(live.keys().next().value as string)
      live.set(session.id, session)
      return session
    },
    cookie: (session) => `${session.id}.${sign(session.id)}`,
    fromCookie(value) {
      if (value === undefined) return undefined
      const dot = value.lastIndexOf('.')
      if (dot <= 0) return undefined
      const id = value.slice(0, dot)
      if (!same(value.slice(dot + 1), sign(id))) return undefined
      const session = live.get(id)
      if (session === undefined) return undefined
      if (session.expiresAt <= deps.now()) {
        live.delete(id)
        return undefined
      }
      return session
    },
    logout: (session) => void live.delete(session.id),
    csrfOk: (session, sent) => sent !== undefined && same(sent, session.csrf),
  }
}
