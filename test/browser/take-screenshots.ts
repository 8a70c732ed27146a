/**
 * `npm run screenshots`: a screenshot of each console page, written to docs/img/ (README shows the
 * overview). Runs the same two-portal, three-output bridge as the browser tests, in Debian's Chromium.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fixturePortal } from '../support/bridge-harness.js'
import { launchChromium } from '../support/browser.js'
import { CONSOLE_TOKEN, startConsoleBridge } from '../support/console-bridge.js'

const out = join(import.meta.dirname, '../../docs/img')
await mkdir(out, { recursive: true })
const browser = await launchChromium()
const bridge = await startConsoleBridge()
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const shot = async (name: string) => {
    await page.screenshot({ path: join(out, `console-${name}.png`), fullPage: true })
    process.stdout.write(`docs/img/console-${name}.png\n`)
  }
  await page.goto(`${bridge.adminUrl}/login`)
  await shot('login')
  await page.fill('#token', CONSOLE_TOKEN)
  await page.click('button:has-text("Log in")')
  await page.waitForSelector('#chart-latency .uplot')
  await shot('overview')
  await page.goto(`${bridge.adminUrl}/deliveries`)
  await shot('deliveries')
  await page.goto(`${bridge.adminUrl}/messages/${fixturePortal.memberId}/2057`)
  await shot('timeline')
  await page.goto(`${bridge.adminUrl}/dead`)
  await shot('dead-letters')
  await page.goto(`${bridge.adminUrl}/dead/${bridge.deadId}`)
  await shot('dead-letter')
  bridge.audit.failAlways(undefined)
  await page.click('button:has-text("Replay")')
  await page.locator('.outcome', { hasText: /^delivered/ }).waitFor({ timeout: 30_000 })
  await shot('replay')
} finally {
  await browser.close()
  await bridge.close()
}
