import { describe, expect, it } from 'vitest'
import { formatParts } from '../../../../plugins/slack/format.js'
import { parseBbCode } from '../../../../src/render/index.js'
import { loadSamples } from '../../render/samples.js'
import { makeMessage } from '../make-message.js'
import { mrkdwnProblems } from './check-mrkdwn.js'

const samples = [...loadSamples()]
const settings = { showAuthor: true, showEditedBy: true, editMarker: '(edited) <&>' }

describe('every BB-code sample renders to valid Slack mrkdwn', () => {
  it('has samples to check', () => {
    expect(samples.length).toBeGreaterThan(10)
  })

  for (const [title, bbcode] of samples) {
    for (const limit of [40_000, 300]) {
      it(`${title} (limit ${limit})`, () => {
        const msg = makeMessage({ kind: 'updated', ast: parseBbCode(bbcode), unverified: true })
        const parts = formatParts(msg, settings, limit)
        expect(parts.length).toBeGreaterThan(0)
        for (const part of parts) {
          expect(part.length).toBeLessThanOrEqual(limit)
          expect(mrkdwnProblems(part)).toEqual([])
          expect(part).not.toMatch(/<@|<!here|<!channel/)
        }
      })
    }
  }

  it('shows a mentioned Bitrix user by name only', () => {
    const msg = makeMessage({ ast: parseBbCode(samples.find(([t]) => t.startsWith('mentions'))![1]) })
    const [text] = formatParts(msg, { ...settings, showAuthor: false, showEditedBy: false }, 40_000)
    expect(text).toMatch(/^Ivan Orlov, see Sales chat and this message/)
  })

  it('splits the long sample for Slack and keeps every word', () => {
    const [, bbcode] = samples.find(([t]) => t.startsWith('long'))!
    const parts = formatParts(makeMessage({ ast: parseBbCode(bbcode) }), settings, 40_000)
    const joined = parts.join('\n')
    for (const n of [0, 1500, 2999]) expect(joined).toContain(`*word${n}*`)
  })
})
