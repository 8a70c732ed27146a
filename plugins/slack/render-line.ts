import { escapeRunText, escapeText } from './escape.js'
import { BOLD, ITALIC, type Line, type Run, STRIKE } from './layout.js'

const order = [BOLD, ITALIC, STRIKE] as const
const marker: Record<number, string> = { [BOLD]: '*', [ITALIC]: '_', [STRIKE]: '~' }

/** Marker characters a run with these styles can add at most (each opened once, closed once). */
export function markerCost(styles: number): number {
  return 2 * order.filter((bit) => styles & bit).length
}

/**
 * Runs as mrkdwn. Markers nest like tags (`*bold _both_*`), so a style that continues across runs
 * is not closed and reopened (`**` would break Slack's parser). Slack honours a marker only where
 * it touches a non-space character, so markers open after leading and close before trailing spaces.
 */
export function renderRuns(runs: readonly Run[]): string {
  const chunks: string[] = []
  // Whitespace not yet written, so closing markers can still go before it.
  let space = ''
  const open: number[] = []
  const closeTo = (depth: number): void => {
    if (open.length <= depth) return
    for (const bit of open.splice(depth).reverse()) chunks.push(marker[bit]!)
  }
  for (const run of runs) {
    const text = run.kind === 'text' ? escapeRunText(run.text) : run.text
    let keep = 0
    while (keep < open.length && run.styles & open[keep]!) keep++
    closeTo(keep)
    const body = text.trimStart()
    // Whitespace alone ends the styles it lacks but opens none (markers must touch text).
    if (body === '') {
      space += text
      continue
    }
    chunks.push(space, text.slice(0, text.length - body.length))
    for (const bit of order) {
      if (run.styles & bit && !open.includes(bit)) {
        open.push(bit)
        chunks.push(marker[bit]!)
      }
    }
    const core = body.trimEnd()
    chunks.push(core)
    space = body.slice(core.length)
  }
  closeTo(0)
  chunks.push(space)
  return chunks.join('')
}

// Three backticks inside code would close the block early; a zero-width space keeps them apart.
function fenceSafe(text: string): string {
  return escapeText(text).replaceAll('```', '`\u200b``')
}

/** One line (or one code block) as mrkdwn; quoted lines start with `> `. */
export function renderLine(line: Line): string {
  if (line.kind === 'code') {
    const lines = ['```', ...fenceSafe(line.text).split('\n'), '```']
    return line.quote ? lines.map((l) => `> ${l}`).join('\n') : lines.join('\n')
  }
  const text = renderRuns(line.runs)
  if (!line.quote) return text
  return text === '' ? '>' : `> ${text}`
}
