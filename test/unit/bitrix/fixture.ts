import { readFileSync } from 'node:fs'

/** A REST reply sample from test/fixtures/bitrix/rest/. */
export function restFixture(name: string): Record<string, unknown> {
  const url = new URL(`../../fixtures/bitrix/rest/${name}`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>
}
