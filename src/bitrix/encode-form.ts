import qs from 'qs'

/**
 * Encodes REST params the way PHP's `http_build_query` does (`FIELDS[TITLE]=x`, `IDS[0]=1`), which is
 * what Bitrix24 parses. Nulls and undefined are left out; booleans must already be `Y`/`N` or 1/0.
 */
export function encodeForm(params: Record<string, unknown>): string {
  return qs.stringify(params, { arrayFormat: 'indices', skipNulls: true })
}
