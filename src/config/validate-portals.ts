import {
  type ConfigProblem,
  describeType,
  isPlainObject,
  type PathSegment,
  problemAt,
  unknownKeyProblems,
} from './problems.js'
import type { PortalConfig } from './types.js'

const portalKeys = ['domain', 'memberId', 'applicationToken', 'webhookUrl']
const hostName = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d+)?$/i

/** `bitrix.portals` items (convict only checks that it is a list). Webhook URLs get a trailing '/'. */
export function validatePortals(items: readonly unknown[], problems: ConfigProblem[]): PortalConfig[] {
  const portals: PortalConfig[] = []
  const seen = new Map<string, number>()
  items.forEach((item, index) => {
    const at: PathSegment[] = ['bitrix', 'portals', index]
    if (!isPlainObject(item)) {
      problems.push(
        problemAt(at, `must be a mapping with domain and applicationToken, got ${describeType(item)}`),
      )
      return
    }
    problems.push(...unknownKeyProblems(item, portalKeys, at))
    const domain = requiredString(item, 'domain', at, problems)
    const applicationToken = requiredString(item, 'applicationToken', at, problems)
    const memberId = optionalString(item, 'memberId', at, problems)
    const webhookUrl = optionalString(item, 'webhookUrl', at, problems)
    if (domain !== undefined && !hostName.test(domain)) {
      problems.push(
        problemAt([...at, 'domain'], 'must be a host name like example.bitrix24.com (no https://, no path)'),
      )
    }
    for (const key of [domain?.toLowerCase(), memberId]) {
      if (key === undefined) continue
      const first = seen.get(key)
      if (first !== undefined)
        problems.push(problemAt(at, `same portal as bitrix.portals[${first}] (${key})`))
      else seen.set(key, index)
    }
    if (domain === undefined || applicationToken === undefined) return
    const portal: PortalConfig = { domain, applicationToken }
    if (memberId !== undefined) portal.memberId = memberId
    if (webhookUrl !== undefined) {
      const normalized = normalizeWebhookUrl(webhookUrl)
      if (normalized === undefined) {
        problems.push(
          problemAt(
            [...at, 'webhookUrl'],
            'must be an http(s) URL like https://example.bitrix24.com/rest/1/abc123/',
          ),
        )
      } else portal.webhookUrl = normalized
    }
    portals.push(portal)
  })
  return portals
}

/** Method names are appended to the webhook base, so it must end with '/'. */
export function normalizeWebhookUrl(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  return value.endsWith('/') ? value : `${value}/`
}

function requiredString(
  item: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  problems: ConfigProblem[],
): string | undefined {
  const value = item[key]
  if (value === undefined || value === null || value === '') {
    problems.push(problemAt([...at, key], 'is required'))
    return undefined
  }
  return optionalString(item, key, at, problems)
}

function optionalString(
  item: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  problems: ConfigProblem[],
): string | undefined {
  const value = item[key]
  // `${VAR:-}` gives '' for an optional field: treat it as not set.
  if (value === undefined || value === null || value === '') return undefined
  // YAML reads `memberId: 12345` as a number; a member id is an opaque string.
  if (typeof value === 'number' && key === 'memberId') return String(value)
  if (typeof value !== 'string') {
    problems.push(problemAt([...at, key], `must be a string, got ${describeType(value)}`))
    return undefined
  }
  return value
}
