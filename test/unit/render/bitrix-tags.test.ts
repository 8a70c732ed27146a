import { describe, expect, it } from 'vitest'
import { formatText } from '../../../plugins/console/format.js'
import { composeBody } from '../../../plugins/email/compose.js'
import { formatMrkdwn } from '../../../plugins/slack/format.js'
import { formatMessage } from '../../../plugins/telegram/format.js'
import { renderPieces } from '../../../plugins/telegram/pieces.js'
import { buildPayload } from '../../../plugins/webhook/payload.js'
import { parseBbCode } from '../../../src/render/parse-bbcode.js'
import { formatHtml } from '../../../src/render/render-html.js'
import { renderPlain } from '../../../src/render/render-plain.js'
import { makeMessage } from '../plugins/make-message.js'
import { loadSamples } from './samples.js'

/**
 * Tags of Bitrix24 chat text that outputs printed verbatim before (issue 11 item 6). Sources: the
 * REST docs' "Text Formatting (BB Codes)" page (img, call, user=all, chat=imol|ID, quotes) and the im
 * module's own parser (Bitrix\Im\Text: `[PCH=n]`, `[RATING=1-5]`, `[dialog=…]`, `-{54}` quotes).
 */
const samples = loadSamples()
const media = samples.get('images, calls and ratings') ?? ''
const links = samples.get('open-line chat, everyone, dialog and session history links') ?? ''
const separator = samples.get('a typed separator line stays text (only 54 dashes delimit a quote)') ?? ''

// Raw tag text that must never reach a reader.
const rawTag = /\[\/?(img|call|rating|chat|user|dialog|pch)\b/i

function renderAll(bbcode: string): Record<string, string> {
  const ast = parseBbCode(bbcode)
  const plainText = renderPlain(ast)
  const msg = makeMessage({ ast, plainText, bbcode, kind: 'added' })
  const mail = composeBody('created', msg, {
    showPrevious: false,
    editMarker: '',
    showAuthor: false,
    showEditedBy: false,
  })
  return {
    plain: plainText,
    html: formatHtml(ast),
    slack: formatMrkdwn(ast),
    telegram: renderPieces(formatMessage(msg, { showAuthor: false, editMarker: '', showEditedBy: false })),
    emailText: mail.text,
    emailHtml: mail.html,
    webhook: buildPayload('created', msg, null, true).html ?? '',
    console: formatText('created', msg, ''),
  }
}

describe('Bitrix24 chat tags', () => {
  it('parses [img], [CALL=…], [CALL] and [RATING=…]', () => {
    expect(parseBbCode(media).filter((node) => node.type !== 'text')).toEqual([
      { type: 'image', url: 'https://example.com/pic.jpg', size: 'medium' },
      { type: 'call', number: '+19991234567', children: [{ type: 'text', text: 'Call us' }] },
      { type: 'call', number: '+19991234567', children: [{ type: 'text', text: '+19991234567' }] },
      { type: 'rating', value: 4 },
    ])
  })

  it('parses [CHAT=imol|…], [USER=all], [dialog=…] and [PCH=…]', () => {
    expect(parseBbCode(links).filter((node) => node.type !== 'text')).toEqual([
      { type: 'chat', chatId: 'imol|789', children: [{ type: 'text', text: 'Support line' }] },
      { type: 'mention', userId: 'all', children: [{ type: 'text', text: 'Everyone' }] },
      {
        type: 'dialog',
        dialogId: 'chat12',
        messageId: '34',
        children: [{ type: 'text', text: 'this dialog' }],
      },
      { type: 'history', historyId: '5', children: [{ type: 'text', text: 'session history' }] },
    ])
  })

  it('keeps a typed separator of other than 54 dashes as text, not a quote', () => {
    const ast = parseBbCode(separator)
    expect(ast.some((node) => node.type === 'quote')).toBe(false)
    expect(renderPlain(ast)).toBe(separator)
  })

  it('still reads a 54-dash block as a quote, and 55 dashes as text', () => {
    const dashes = '-'.repeat(54)
    expect(parseBbCode(`${dashes}\nquoted\n${dashes}`)[0]).toEqual({
      type: 'quote',
      children: [{ type: 'text', text: 'quoted' }],
    })
    const longer = '-'.repeat(55)
    expect(parseBbCode(`${longer}\nnot quoted\n${longer}`)).toEqual([
      { type: 'text', text: `${longer}` },
      { type: 'br' },
      { type: 'text', text: 'not quoted' },
      { type: 'br' },
      { type: 'text', text: longer },
    ])
  })

  for (const [name, text] of Object.entries(renderAll(media))) {
    it(`${name}: shows image, call and rating without raw tags`, () => {
      expect(text).not.toMatch(rawTag)
      expect(text).toContain('image')
      expect(text).toContain('Call us (+19991234567)')
      expect(text).toContain('(rated 4/5)')
      if (name !== 'plain' && name !== 'emailText' && name !== 'console') {
        // Formats with links make the image a link (never an inline <img> a client would fetch).
        expect(text).toMatch(/https:\/\/example\.com\/pic\.jpg/)
        expect(text).not.toMatch(/<img/i)
      } else {
        expect(text).toContain('image: https://example.com/pic.jpg')
      }
    })
  }

  for (const [name, text] of Object.entries(renderAll(links))) {
    it(`${name}: shows the labels of open-line, everyone, dialog and history links`, () => {
      expect(text).not.toMatch(rawTag)
      for (const label of ['Support line', 'Everyone', 'this dialog', 'session history']) {
        expect(text).toContain(label)
      }
    })
  }

  it('an [img] without a bare URL stays literal text', () => {
    expect(renderPlain(parseBbCode('[img size=large]not a url here[/img]'))).toBe(
      '[img size=large]not a url here[/img]',
    )
  })
})
