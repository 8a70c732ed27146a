/** HTML that is already escaped (or trusted markup): interpolated as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c)
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[]

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map((v: Value) => render(v)).join('')
  return escapeHtml(String(value))
}

/**
 * Tagged template that escapes every interpolated value (text and attribute safe: quotes are
 * escaped too), except `SafeHtml` from nested `html` calls. Lists are joined; null/undefined/false
 * render nothing, so `${cond && html`…`}` works.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '')
  return new SafeHtml(out)
}

/** Trusted markup, e.g. a JSON island already escaped for a script tag. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup)
}

/** JSON for a `<script type="application/json">` island: `<` escaped so it cannot close the tag. */
export function jsonIsland(value: unknown): SafeHtml {
  return raw(JSON.stringify(value).replace(/</g, '\\u003c'))
}
