import qs from 'qs'
import { describe, expect, it } from 'vitest'
import { chatOf, editBody, editOf, fixturePortal } from '../../../bench/support/event-bodies.js'

interface Parsed {
  event: string
  ts: string
  auth: Record<string, string>
  data: { DATA: Array<{ im: Record<string, string>; message: { id: string }; chat: { id: string } }> }
}

const parse = (body: string) => qs.parse(body) as unknown as Parsed

describe('bench event bodies', () => {
  it('is the fixture edit with the message, chat and ts replaced', () => {
    const body = parse(editBody(777, 4242, 1800000000))
    expect(body.event).toBe('ONOPENLINEMESSAGEUPDATE')
    expect(body.data.DATA[0]?.im).toEqual({ chat_id: '4242', message_id: '777' })
    expect(body.data.DATA[0]?.message.id).toBe('777')
    expect(body.data.DATA[0]?.chat.id).toBe('4242')
    expect(body.ts).toBe('1800000000')
    expect(body.auth.application_token).toBe(fixturePortal.applicationToken)
    expect(body.auth.member_id).toBe(fixturePortal.memberId)
  })

  it('puts ten messages in a chat', () => {
    expect(chatOf(10)).toBe(chatOf(19))
    expect(chatOf(20)).not.toBe(chatOf(19))
    const body = parse(editOf(31))
    expect(Number(body.data.DATA[0]?.im.chat_id)).toBe(chatOf(31))
  })
})
