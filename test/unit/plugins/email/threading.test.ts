import { describe, expect, it } from 'vitest'
import { domainOf, newMessageId } from '../../../../plugins/email/message-id.js'
import { renderSubject } from '../../../../plugins/email/subject.js'
import { extendThread, followUpHeaders, readRef, startThread } from '../../../../plugins/email/thread-ref.js'
import { makeMessage } from '../make-message.js'

describe('email Message-IDs and subjects', () => {
  it('builds <olb.portal.chat.message.part@domain> and makes a domain-shaped portal a safe atom', () => {
    expect(newMessageId(makeMessage(), 'example.com', 'abc123')).toBe(
      '<olb.demo-member.1024.2057.abc123@example.com>',
    )
    expect(newMessageId(makeMessage({ portal: 'demo.bitrix24.com' }), 'x.test', 'r')).toBe(
      '<olb.demo-bitrix24-com.1024.2057.r@x.test>',
    )
  })

  it('takes the domain from a bare or a named sender address', () => {
    expect(domainOf('bridge@mail.example.com')).toBe('mail.example.com')
    expect(domainOf('Open lines <bridge@example.org>')).toBe('example.org')
    expect(domainOf('no domain')).toBeUndefined()
  })

  it('fills every placeholder, keeps unknown ones, and stays one line', () => {
    const msg = makeMessage({ connector: 'tele\r\ngram' })
    expect(renderSubject('{portal} {domain} {line} {connector} {chatId} {messageId} {nope}', msg)).toBe(
      'demo-member demo.bitrix24.com 128 tele gram 1024 2057 {nope}',
    )
    expect(renderSubject('[Open line {line} · {connector}] Chat {chatId}', makeMessage())).toBe(
      '[Open line 128 · telegrambot] Chat 1024',
    )
  })
})

describe('email thread ref', () => {
  const a = '<olb.p.1.2.a@x.test>'
  const b = '<olb.p.1.2.b@x.test>'
  const c = '<olb.p.1.2.c@x.test>'

  it('answers the newest mail and lists the whole thread', () => {
    const thread = extendThread(extendThread(startThread(a, 'S'), b), c)
    expect(thread).toEqual({ messageId: a, references: [a, b, c], subject: 'S' })
    expect(followUpHeaders(thread)).toEqual({ inReplyTo: c, references: [a, b, c] })
  })

  it('keeps the first mail and the newest ids when a message is edited many times', () => {
    let thread = startThread(a, 'S')
    for (let i = 0; i < 100; i++) thread = extendThread(thread, `<n${i}@x.test>`)
    expect(thread.references).toHaveLength(30)
    expect(thread.references[0]).toBe(a)
    expect(thread.references.at(-1)).toBe('<n99@x.test>')
  })

  it('reads back only refs that name a thread', () => {
    expect(readRef({ messageId: a, references: [a, b], subject: 'S' })).toEqual({
      messageId: a,
      references: [a, b],
      subject: 'S',
    })
    expect(readRef({ messageId: a, subject: 'S' })).toEqual({ messageId: a, references: [a], subject: 'S' })
    expect(readRef({ channel: 'C1', ts: '1.2' })).toBeUndefined()
    expect(readRef(null)).toBeUndefined()
    expect(readRef({ messageId: 'not-an-id', subject: 'S' })).toBeUndefined()
  })
})
