import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixturePortal } from '../support/bridge-harness.js'
import { launchChromium, skipBrowserTests } from '../support/browser.js'
import {
  CONSOLE_TOKEN,
  type ConsoleBridge,
  secondPortal,
  startConsoleBridge,
} from '../support/console-bridge.js'

let browser: Browser
let bridge: ConsoleBridge
let context: BrowserContext
let page: Page

// Generous bounds: only a hang fails them (a page load takes seconds on a loaded machine).
describe.skipIf(skipBrowserTests)('status console in Chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    browser = await launchChromium()
    bridge = await startConsoleBridge()
    context = await browser.newContext()
    page = await context.newPage()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await bridge?.close()
  })

  it('logs in and shows two portals, three outputs and the charts', async () => {
    await page.goto(`${bridge.adminUrl}/`)
    expect(new URL(page.url()).pathname).toBe('/login')
    await page.fill('#token', CONSOLE_TOKEN)
    await page.click('button:has-text("Log in")')
    await page.waitForURL(`${bridge.adminUrl}/`)
    const portals = page.locator('#portals tbody tr')
    expect(await portals.count()).toBe(2)
    expect(await portals.allInnerTexts()).toEqual([
      expect.stringContaining(fixturePortal.domain),
      expect.stringContaining(secondPortal.domain),
    ])
    const outputs = await page.locator('#outputs tbody tr').allInnerTexts()
    expect(outputs).toHaveLength(3)
    expect(outputs.find((o) => o.startsWith('hook.ops'))).toContain('ready')
    expect(outputs.find((o) => o.startsWith('hook.audit'))).toMatch(/failing[\s\S]*401/)
    expect(await page.locator('#queues').innerText()).toMatch(/deliver[\s\S]*2/)
    // uPlot drew both charts from the embedded data (its script and stylesheet loaded).
    await page.waitForSelector('#chart-counts .uplot')
    await page.waitForSelector('#chart-latency .uplot')
    expect(await page.locator('#totals').innerText()).toContain('3 events received')
  })

  it("finds one message's timeline", async () => {
    await page.click('nav >> text=Deliveries')
    await page.fill('input[name="message"]', '2057')
    await page.selectOption('select[name="output"]', 'hook.ops')
    await expect.poll(() => page.locator('#results tbody tr').count(), { timeout: 30_000 }).toBe(1)
    await page.click('#results tbody tr a:has-text("2057")')
    await page.waitForSelector('#timeline')
    const timeline = await page.locator('#timeline').innerText()
    expect(timeline).toContain('event received')
    expect(timeline).toContain('read from Bitrix24 via im.dialog.messages.get')
    expect(timeline).toMatch(/delivered to hook\.ops \(send\), ref/)
    expect(timeline).toMatch(/hook\.audit: dead-lettered: .*401/)
    expect(await page.locator('#mirrors tr', { hasText: 'hook.audit' }).innerText()).toContain('not mirrored')
  })

  it('replays a dead letter and shows it delivered', async () => {
    bridge.audit.failAlways(undefined)
    await page.click('nav >> text=Dead letters')
    await page.check(`input[name="id"][value="${bridge.deadId}"]`)
    await page.click('button:has-text("Replay selected")')
    await page.waitForURL(/\/dead\/progress/)
    await page
      .locator(`tr[data-job="${bridge.deadId}"] .outcome`, { hasText: /^delivered/ })
      .waitFor({ timeout: 30_000 })
    expect(bridge.audit.requests.map((r) => r.body.messageId)).toEqual([2057])
    expect((await bridge.app.store.listDead()).map((j) => j.id)).not.toContain(bridge.deadId)
  })

  it('works without JavaScript, read-only: log in, overview, a search, a timeline', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false })
    const noJs = await plain.newPage()
    await noJs.goto(`${bridge.adminUrl}/login`)
    await noJs.fill('#token', CONSOLE_TOKEN)
    await noJs.click('button:has-text("Log in")')
    await noJs.waitForURL(`${bridge.adminUrl}/`)
    expect(await noJs.locator('#portals tbody tr').count()).toBe(2)
    expect(await noJs.locator('#outputs tbody tr').count()).toBe(3)
    expect(await noJs.locator('#chart-counts .uplot').count()).toBe(0) // no script ran
    await noJs.goto(`${bridge.adminUrl}/deliveries`)
    await noJs.fill('input[name="chat"]', '77')
    await noJs.click('button:has-text("Search")')
    await noJs.waitForURL(/chat=77/)
    const rows = await noJs.locator('#results tbody tr').allInnerTexts()
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) expect(row).toContain(secondPortal.domain)
    await noJs.click('#results tbody tr a:has-text("3001")')
    expect(await noJs.locator('#timeline').innerText()).toContain('delivered to hook.ops')
    await plain.close()
  })

  it('gives a wrong token no data, and refuses a POST without the CSRF token', async () => {
    const stranger = await browser.newContext()
    const other = await stranger.newPage()
    await other.goto(`${bridge.adminUrl}/login`)
    await other.fill('#token', 'not-the-token')
    await other.click('button:has-text("Log in")')
    expect(await other.locator('[role=alert]').innerText()).toBe('wrong token')
    for (const path of ['/', '/deliveries', '/dead']) {
      await other.goto(`${bridge.adminUrl}${path}`)
      expect(new URL(other.url()).pathname).toBe('/login')
      expect(await other.content()).not.toContain(fixturePortal.domain)
    }
    await stranger.close()

    // Logged in, but a forged form (no CSRF token) is refused and changes nothing.
    const [dead] = await bridge.app.store.listDead()
    expect(dead).toBeDefined()
    const forged = await page.request.post(`${bridge.adminUrl}/dead/discard`, {
      form: { id: dead?.id ?? '', confirm: 'yes' },
    })
    expect(forged.status()).toBe(403)
    expect((await bridge.app.store.listDead()).map((j) => j.id)).toContain(dead?.id)
  })
})
