import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Browser tests run unless BROWSER_TESTS=skip is set explicitly. */
export const skipBrowserTests = process.env.BROWSER_TESTS === 'skip'

/** Debian's Chromium driven by playwright-core: no browser download. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: install it with \`apt-get install chromium\` ` +
        '(or set BROWSER_TESTS=skip to leave the browser tests out)',
    )
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}
