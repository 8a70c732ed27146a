import { describe, expect, it } from 'vitest'
import { MIRROR_EVENT, mirrorTag, partsWithKey } from '../../../../plugins/slack/recover.js'
import type { HistoryMessage } from '../../../../plugins/slack/slack-api.js'
import { makeMessage } from '../make-message.js'

const tagged = (ts: string, key: string, part?: number): HistoryMessage => ({
  ts,
  metadata: { event_type: MIRROR_EVENT, event_payload: { key, ...(part === undefined ? {} : { part }) } },
})

describe('partsWithKey', () => {
  it('orders parts by index from newest-first history and ignores other keys, types and untagged messages', () => {
    const history: HistoryMessage[] = [
      { ts: '1714649640.000009' },
      tagged('1714649639.000008', 'k', 2),
      { ts: '1714649638.000007', metadata: { event_type: 'other_app', event_payload: { key: 'k' } } },
      tagged('1714649637.000006', 'other', 0),
      tagged('1714649636.000005', 'k', 1),
      tagged('1714649635.000004', 'k', 0),
    ]
    expect(partsWithKey(history, 'k')).toEqual([
      '1714649635.000004',
      '1714649636.000005',
      '1714649639.000008',
    ])
  })

  it('keeps the oldest copy of a part posted twice, and reads an untagged index as the first part', () => {
    const history = [tagged('1714649650.000002', 'k'), tagged('1714649632.000101', 'k', 0)]
    expect(partsWithKey(history, 'k')).toEqual(['1714649632.000101'])
  })

  it('finds nothing when the metadata carries only the event type (payload stripped)', () => {
    expect(partsWithKey([{ ts: '1714649632.000101', metadata: { event_type: MIRROR_EVENT } }], 'k')).toEqual(
      [],
    )
  })
})

describe('mirrorTag', () => {
  it('names the key, the portal, the Bitrix24 message and the part', () => {
    expect(mirrorTag(makeMessage(), 'k', 3)).toEqual({
      event_type: 'openline_mirror',
      event_payload: { key: 'k', portal: 'demo-member', message_id: 2057, part: 3 },
    })
  })
})
