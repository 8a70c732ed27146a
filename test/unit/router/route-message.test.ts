import { describe, expect, it } from 'vitest'
import type { RouteConfig } from '../../../src/config/types.js'
import { routeMessage } from '../../../src/router/route-message.js'

const subject = { portal: 'm1', domain: 'a.bitrix24.com', connector: 'telegrambot', line: 128, chatId: 1024 }

describe('routeMessage', () => {
  it('sends every message to a route without match keys', () => {
    expect(routeMessage([{ match: {}, to: ['console.main'] }], subject)).toEqual(['console.main'])
  })

  it('ANDs keys and ORs values, and unions matching routes without duplicates', () => {
    const routes: RouteConfig[] = [
      { match: { connector: ['telegrambot'], line: [128] }, to: ['slack.support', 'email.audit'] },
      { match: { connector: ['whatsappbyedna'] }, to: ['slack.whatsapp'] },
      { match: { line: [1, 128] }, to: ['email.audit', 'telegram.ops'] },
      { match: { connector: ['telegrambot'], line: [3] }, to: ['never'] },
    ]
    expect(routeMessage(routes, subject)).toEqual(['slack.support', 'email.audit', 'telegram.ops'])
  })

  it('matches portal by member id or by domain, and chat ids', () => {
    const routes: RouteConfig[] = [
      { match: { portal: ['a.bitrix24.com'] }, to: ['by-domain'] },
      { match: { portal: ['m1'], chat: [1024] }, to: ['by-member'] },
      { match: { portal: ['other'] }, to: ['other'] },
      { match: { chat: [1] }, to: ['wrong-chat'] },
    ]
    expect(routeMessage(routes, subject)).toEqual(['by-domain', 'by-member'])
  })

  it('returns nothing when no route matches', () => {
    expect(routeMessage([{ match: { line: [5] }, to: ['x'] }], subject)).toEqual([])
  })
})
