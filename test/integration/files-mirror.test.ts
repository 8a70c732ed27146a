import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { updateEvent } from '../../src/demo/event-bodies.js'
import { type Bridge, fixturePortal, startBridge } from '../support/bridge-harness.js'
import { captureLog } from '../support/capture-log.js'
import { FakeTelegram } from '../support/fake-telegram.js'
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.js'

// A message with a file, mirrored end to end (real config, SQLite, HTTP on loopback): the fake
// portal answers `files` in the real shape (name, size, urlShow behind the Bitrix24 login) and
// `disk.file.getExternalLink` as Bitrix24 does, including insufficient_scope without `disk`.

const CHAT = -1001234567890
const fast = { perChatPerSecond: 10_000, perGroupPerMinute: 1_000_000, perBotPerSecond: 10_000 }
let sink: WebhookSink
let telegram: FakeTelegram
let bridge: Bridge | undefined

beforeEach(async () => {
  sink = await startWebhookSink()
  telegram = await FakeTelegram.start()
})
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
  await sink.close()
  await telegram.close()
})

type Setup = (b: Bridge) => void

async function mirror(mode: 'link' | 'public-link', setup?: Setup) {
  const log = captureLog('debug')
  bridge = await startBridge({
    bitrix: { files: mode },
    logger: log.logger,
    outputs: {
      'hook.ops': { type: 'webhook', url: sink.url },
      'telegram.support': {
        type: 'telegram',
        token: telegram.token,
        chatId: CHAT,
        apiRoot: telegram.apiRoot,
        limits: fast,
        showAuthor: false,
      },
    },
  })
  const b = bridge
  b.portal.addUser({ id: 7, name: 'Anna Petrova' })
  b.portal.setMessage({
    id: 2057,
    chatId: 1024,
    authorId: 7,
    text: 'Here is the invoice',
    files: [{ id: 331, name: 'invoice <4411>.pdf', size: 1_258_291 }],
  })
  setup?.(b)
  const res = await b.post(updateEvent(fixturePortal, [{ chatId: 1024, messageId: 2057 }]))
  expect(res.status).toBe(200)
  await b.drain()
  const [delivery] = await sink.waitFor(1)
  const files = (delivery?.body.files ?? []) as Array<Record<string, unknown>>
  const html = telegram.messages(CHAT).at(-1)?.html ?? ''
  return { b, files, html, log: log.lines }
}

const loginUrl = (b: Bridge) =>
  `${b.portal.url}/bitrix/services/main/ajax.php?action=disk.api.file.download&SITE_ID=s1&humanRE=1&fileId=331&fileName=invoice%20%3C4411%3E.pdf`

describe('a message with a file, mirrored', () => {
  it('files: link — name, size and the Bitrix24 link, which says it needs a login', async () => {
    const { b, files, html } = await mirror('link')
    expect(files).toEqual([{ id: 331, name: 'invoice <4411>.pdf', size: 1_258_291, url: loginUrl(b) }])
    expect(html).toContain(
      `📎 invoice &lt;4411&gt;.pdf (1.2 MB) · <a href="${loginUrl(b).replaceAll('&', '&amp;')}">open in Bitrix24 — login needed</a>`,
    )
    // No public link was asked for, so none was created on the portal.
    expect(b.portal.publicLinks.size).toBe(0)
  })

  it('files: public-link — the public link, which needs no login, read by the fetch stage', async () => {
    const { b, files, html } = await mirror('public-link')
    const publicUrl = b.portal.publicLinks.get(331)
    expect(publicUrl).toMatch(/\/~\w+$/)
    expect(files).toEqual([
      { id: 331, name: 'invoice <4411>.pdf', size: 1_258_291, url: loginUrl(b), publicUrl },
    ])
    expect(html).toContain(
      `📎 invoice &lt;4411&gt;.pdf (1.2 MB) · <a href="${publicUrl}">open — public link, no login</a>`,
    )
    expect(html).not.toContain('login needed')
  })

  it('files: public-link without the disk scope — the login link, the mirror still sent, one warning', async () => {
    const { b, files, html, log } = await mirror('public-link', (portal) =>
      portal.portal.setScopes(['im', 'imopenlines']),
    )
    expect(files).toEqual([{ id: 331, name: 'invoice <4411>.pdf', size: 1_258_291, url: loginUrl(b) }])
    expect(html).toContain('open in Bitrix24 — login needed')
    expect(b.portal.publicLinks.size).toBe(0)
    const warnings = log.filter((l) => l.code === 'BRG_ERR_BITRIX_NO_PUBLIC_LINK' && l.level === 40)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.msg).toContain('add the disk scope')
    expect(await b.app.store.stats('deliver')).toMatchObject({ pending: 0, dead: 0 })
  })
})
