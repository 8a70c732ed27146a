import { type Piece, type Tag, visibleText } from './pieces.js'

/** Telegram's text limit: 4,096 characters after entity parsing (https://core.telegram.org/bots/api#sendmessage). */
export const TELEGRAM_TEXT_LIMIT = 4096

interface Cut {
  /** Visible offset where the part ends. */
  at: number
  /** Visible offset where the next part starts (one more when the break character is dropped). */
  resume: number
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff

/**
 * Where to cut `text` so no part is longer than `limit` UTF-16 units (Telegram counts code points,
 * so this errs on the short side): at the last line break in the second half of the window, else
 * the last space, else hard, never between the halves of a surrogate pair.
 */
export function chooseCuts(text: string, limit: number): Cut[] {
  const cuts: Cut[] = []
  let start = 0
  while (text.length - start > limit) {
    const end = start + limit
    const floor = start + Math.floor(limit / 2)
    let cut: Cut | undefined
    for (const ch of ['\n', ' ']) {
      const at = text.lastIndexOf(ch, end)
      if (at > floor) {
        cut = { at, resume: at + 1 }
        break
      }
    }
    if (!cut) {
      const at = isHighSurrogate(text.charCodeAt(end - 1)) ? end - 1 : end
      cut = { at, resume: at }
    }
    cuts.push(cut)
    start = cut.resume
  }
  return cuts
}

/** Drop `<b></b>` pairs a cut can leave behind (harmless to Telegram, noise to a reader's eye). */
function dropEmptyPairs(part: Piece[]): Piece[] {
  const out: Piece[] = []
  for (const piece of part) {
    const last = out[out.length - 1]
    if (piece.type === 'close' && last?.type === 'open' && last.tag.name === piece.name) out.pop()
    else out.push(piece)
  }
  return out
}

/**
 * Split a piece stream into parts of at most `limit` visible characters. Cuts fall between
 * pieces or inside text, never inside a tag or an entity; tags open at a cut are closed at the end
 * of the part and reopened at the start of the next, so every part is valid HTML on its own.
 */
export function splitPieces(pieces: readonly Piece[], limit: number = TELEGRAM_TEXT_LIMIT): Piece[][] {
  const cuts = chooseCuts(visibleText(pieces), limit)
  if (cuts.length === 0) return [[...pieces]]
  const parts: Piece[][] = []
  const stack: Tag[] = []
  let part: Piece[] = []
  let pos = 0
  let next = 0
  let skipUntil = 0

  const cutDue = (offset: number): boolean => next < cuts.length && offset >= cuts[next]!.at
  const flush = (): void => {
    for (const tag of [...stack].reverse()) part.push({ type: 'close', name: tag.name })
    parts.push(part)
    part = stack.map((tag): Piece => ({ type: 'open', tag }))
    skipUntil = cuts[next]!.resume
    next += 1
  }

  for (const piece of pieces) {
    if (piece.type === 'close') {
      // A close at the cut belongs to the part before it.
      part.push(piece)
      stack.pop()
    } else if (piece.type === 'open') {
      if (cutDue(pos)) flush()
      part.push(piece)
      stack.push(piece.tag)
    } else {
      const text = piece.text
      let i = 0
      while (i < text.length) {
        if (cutDue(pos + i)) {
          flush()
          continue
        }
        if (pos + i < skipUntil) {
          i = Math.min(text.length, skipUntil - pos)
          continue
        }
        const end = next < cuts.length ? Math.min(text.length, cuts[next]!.at - pos) : text.length
        part.push({ type: 'text', text: text.slice(i, end) })
        i = end
      }
      pos += text.length
    }
  }
  parts.push(part)
  // Telegram trims each message and rejects an empty one; a trailing break alone is no part.
  return parts.map(dropEmptyPairs).filter((p) => visibleText(p).trim() !== '')
}
