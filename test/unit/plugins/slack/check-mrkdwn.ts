/**
 * What would make Slack show or do something other than the text meant: an unescaped `& < >`
 * outside a link or date, a control sequence that pings (`<@U…>`, `<!here>`), an unclosed `<`,
 * an unbalanced code fence. Returns the problems found (empty when the text is valid).
 */
const ENTITY = /^&(amp|lt|gt);/
const LINK = /^(https?:\/\/|mailto:)[^\s<>|]+(\|[^<>|]*)?$/
const DATE = /^!date\^\d+\^[^|<>]+\|[^<>|]*$/

function checkEntities(text: string, where: string, problems: string[]): void {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    if (!ENTITY.test(text.slice(i))) problems.push(`raw & in ${where} at "${text.slice(i, i + 12)}"`)
  }
}

export function mrkdwnProblems(text: string): string[] {
  const problems: string[] = []
  const fences = text.split('\n').filter((line) => /^(> )?```/.test(line)).length
  if (fences % 2 !== 0) problems.push('unbalanced ``` code fence')
  let plain = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (ch !== '<') {
      // A `>` is markup only as a quote marker at the start of a line.
      const lineStart = i === 0 || text[i - 1] === '\n'
      if (
        ch === '>' &&
        !(lineStart && (text[i + 1] === ' ' || text[i + 1] === '\n' || i + 1 === text.length))
      ) {
        problems.push(`raw > at ${i}: "${text.slice(Math.max(0, i - 10), i + 10)}"`)
      }
      plain += ch
      i++
      continue
    }
    const close = text.indexOf('>', i)
    const inner = close < 0 ? text.slice(i + 1) : text.slice(i + 1, close)
    if (close < 0 || inner.includes('<') || inner.includes('\n')) {
      problems.push(`unclosed < at ${i}: "${text.slice(i, i + 20)}"`)
      i++
      continue
    }
    if (
      inner.startsWith('@') ||
      (inner.startsWith('!') && !inner.startsWith('!date^')) ||
      inner.startsWith('#')
    ) {
      problems.push(`control sequence <${inner}> (a ping or channel link)`)
    } else if (DATE.test(inner)) {
      checkEntities(inner.slice(inner.indexOf('|') + 1), 'date fallback', problems)
    } else if (LINK.test(inner)) {
      const bar = inner.indexOf('|')
      if (bar >= 0) checkEntities(inner.slice(bar + 1), 'link label', problems)
    } else {
      problems.push(`not a link or date: <${inner}>`)
    }
    i = close + 1
  }
  checkEntities(plain, 'text', problems)
  return problems
}

/** The text a reader sees, roughly: entities decoded, links as their labels, markers kept. */
export function unescapeMrkdwn(text: string): string {
  return text
    .replace(/<([^<>|]+)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]+)>/g, '$1')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}
