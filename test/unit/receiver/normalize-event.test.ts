import { describe, expect, it } from 'vitest'
import { BridgeError, ErrorCodes } from '../../../src/errors.js'
import { normalizeEvent } from '../../../src/receiver/normalize-event.js'
import { createFormParser } from '../../../src/receiver/parse-form.js'
import { DOMAIN, fixture, MEMBER_ID } from './receiver-harness.js'

const parseForm = createFormParser({ parameterLimit: 200, depth: 8 })
const form = (name: string) => parseForm(fixture(name))
const USER_TOKEN = 'fake-access-7f3c9e1d2b4a'

function details(body: unknown): unknown {
  try {
    normalizeEvent(body)
  } catch (err) {
    expect(err).toBeInstanceOf(BridgeError)
    expect((err as BridgeError).code).toBe(ErrorCodes.BODY_INVALID)
    return (err as BridgeError).details
  }
  throw new Error('expected BRG_ERR_BODY_INVALID')
}

describe('normalizeEvent', () => {
  it('reads the doc shape: DATA is a list, ids from im', () => {
    const delivery = normalizeEvent(form('onopenlinemessageupdate.docs.form.txt'))
    expect(delivery.type).toBe('ONOPENLINEMESSAGEUPDATE')
    expect(delivery.events).toEqual([
      {
        kind: 'updated',
        memberId: MEMBER_ID,
        domain: DOMAIN,
        connector: 'telegrambot',
        line: 128,
        chatId: 1024,
        messageId: 2056,
        externalChatId: '1024',
        externalMessageIds: ['2056'],
        ts: 1714649632,
        userToken: USER_TOKEN,
      },
    ])
  })

  it('reads the JSON variant (numbers instead of strings) to the same events', () => {
    const json = normalizeEvent(JSON.parse(fixture('onopenlinemessageupdate.docs.json')))
    expect(json.events).toEqual(normalizeEvent(form('onopenlinemessageupdate.docs.form.txt')).events)
  })

  it('reads the server shape: DATA is one object, message.id lists external ids, text is a hint', () => {
    const [event, ...rest] = normalizeEvent(form('onopenlinemessageupdate.server.form.txt')).events
    expect(rest).toEqual([])
    expect(event).toMatchObject({ kind: 'updated', chatId: 1024, messageId: 2057, line: 128 })
    expect(event?.externalMessageIds).toEqual(['5521'])
    expect(event?.externalChatId).toBe('380991234567')
    expect(event?.textHint).toBe(
      '[b]Anna Petrova:[/b][br] Your order #4411 ships [i]tomorrow[/i] & arrives <Friday>',
    )
  })

  it('leaves userToken out when no user caused the edit', () => {
    const [event] = normalizeEvent(form('onopenlinemessageupdate.no-user-tokens.form.txt')).events
    expect(event).toMatchObject({ connector: 'whatsappbyedna', line: 3, chatId: 2048, messageId: 9001 })
    expect(event).not.toHaveProperty('userToken')
  })

  it('gives one event per DATA item', () => {
    const events = normalizeEvent(form('onopenlinemessageupdate.two-items.form.txt')).events
    expect(events.map((e) => [e.chatId, e.messageId])).toEqual([
      [1024, 2058],
      [1024, 2059],
    ])
  })

  it('reads ONOPENLINEMESSAGEADD: Bitrix ids from chat/message, the connector chat as external', () => {
    const [event] = normalizeEvent(form('onopenlinemessageadd.form.txt')).events
    expect(event).toMatchObject({
      kind: 'added',
      connector: 'telegrambot',
      line: 128,
      chatId: 1024,
      messageId: 2057,
      externalChatId: '380991234567',
      externalMessageIds: [],
      textHint: 'Your order #4411 ships soon',
    })
  })

  it('falls back to connector.connector_id / line_id for ONOPENLINEMESSAGEADD without CONNECTOR/LINE', () => {
    const body = form('onopenlinemessageadd.form.txt') as { data: Record<string, unknown> }
    delete body.data.CONNECTOR
    delete body.data.LINE
    expect(normalizeEvent(body).events[0]).toMatchObject({ connector: 'telegrambot', line: 128 })
  })

  it('reads ONOPENLINEMESSAGEDELETE as kind deleted with im ids', () => {
    const [event] = normalizeEvent(form('onopenlinemessagedelete.form.txt')).events
    expect(event).toMatchObject({
      kind: 'deleted',
      chatId: 1024,
      messageId: 2057,
      externalMessageIds: ['5521'],
    })
  })

  it('has no message events for app lifecycle types', () => {
    expect(normalizeEvent(form('onappinstall.form.txt'))).toMatchObject({ type: 'ONAPPINSTALL', events: [] })
  })

  it('upper-cases the event type', () => {
    const body = {
      ...JSON.parse(fixture('onopenlinemessageupdate.docs.json')),
      event: 'onOpenLineMessageUpdate',
    }
    expect(normalizeEvent(body).events).toHaveLength(1)
  })

  it('lists every problem path of an invalid body', () => {
    expect(details('nope')).toEqual(['body'])
    expect(details({})).toEqual(['event', 'ts', 'auth'])
    const noData = form('onopenlinemessageupdate.docs.form.txt') as { data: Record<string, unknown> }
    delete noData.data.DATA
    expect(details(noData)).toEqual(['data.DATA'])
    const badIds = form('onopenlinemessageupdate.two-items.form.txt') as {
      data: { DATA: { im: Record<string, unknown> }[] }
    }
    badIds.data.DATA[0]!.im.message_id = '2058abc'
    badIds.data.DATA[1]!.im.chat_id = '-5'
    expect(details(badIds)).toEqual(['data.DATA[0].im.message_id', 'data.DATA[1].im.chat_id'])
  })

  it('never takes message.id as the Bitrix id when im is missing', () => {
    const body = form('onopenlinemessageupdate.server.form.txt') as {
      data: { DATA: Record<string, unknown> }
    }
    delete body.data.DATA.im
    expect(details(body)).toEqual(['data.DATA.im'])
  })

  it('rejects non-integer JSON ids and a missing connector', () => {
    const body = JSON.parse(fixture('onopenlinemessageupdate.docs.json'))
    body.data.DATA[0].im.message_id = 2056.5
    delete body.data.CONNECTOR
    expect(new Set(details(body) as string[])).toEqual(
      new Set(['data.CONNECTOR', 'data.DATA[0].im.message_id']),
    )
  })

  it('rejects more than 100 items in one delivery', () => {
    const body = JSON.parse(fixture('onopenlinemessageupdate.docs.json'))
    body.data.DATA = Array.from({ length: 101 }, () => body.data.DATA[0])
    expect(details(body)).toEqual(['data.DATA'])
  })
})
