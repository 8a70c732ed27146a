import { describe, expect, it } from 'vitest'
import { parseBbCode } from '../../../src/render/parse-bbcode.js'
import { formatTimestamp, renderPlain } from '../../../src/render/render-plain.js'
import { loadSamples } from './samples.js'

const samples = loadSamples()
const plain = (source: string): string => renderPlain(parseBbCode(source))
const plainSample = (title: string): string => plain(samples.get(title) ?? '')

describe('renderPlain', () => {
  it('drops styles and keeps the words', () => {
    expect(plainSample('nested inline')).toBe('bold bold italic all three struck')
  })

  it('keeps literal tags readable', () => {
    expect(plainSample('unclosed and mis-nested tags stay literal text')).toBe(
      'never closed [i]crossed tags[/i] and [unknown]tag[/unknown]',
    )
  })

  it('writes links as "label (url)", or the url alone when it is its own label', () => {
    expect(plainSample('links')).toBe(
      'https://example.com/a?b=1&c=2 and label with bold (https://example.com/x_y*z) and bare https://example.org/path_(1)',
    )
    expect(plain('[url=https://a.b][/url]')).toBe('https://a.b')
  })

  it('shows mentions, chats and contexts by their label', () => {
    expect(plainSample('mentions and internal references')).toBe(
      'Ivan Orlov, see Sales chat and this message',
    )
  })

  it('prefixes quoted lines with "> " for both quote styles', () => {
    expect(plainSample('quote block')).toBe('> Ivan Orlov wrote:\n> When will it ship?\nTomorrow.')
    expect(plainSample('dashed quote block')).toBe(
      '> Ivan Orlov [02.05.2024 14:20]\n> When will it ship?\nTomorrow.',
    )
  })

  it('keeps code verbatim', () => {
    expect(plainSample('code keeps its content verbatim')).toBe(
      'if (a < b && c > d) { return "[b]not bold[/b]"; }',
    )
  })

  it('turns every break spelling into a newline', () => {
    expect(plainSample('line breaks')).toBe('first line\nsecond line\nthird line')
  })

  it('shows icon titles, command labels and sized or coloured text', () => {
    expect(plainSample('icons, keyboard-like tags, size and color')).toBe('ok Confirm Search big red')
    expect(plain('[icon=https://e.com/i.png]!')).toBe('!')
  })

  it('writes timestamps as UTC dates and files as placeholders', () => {
    expect(plainSample('timestamp and disk file')).toBe('Due 2024-05-02 11:33 UTC — file [file]')
    expect(plain('see [ATTACH=1]')).toBe('see [attachment]')
  })

  it('formats timestamps in UTC with zero padding', () => {
    expect(formatTimestamp(0)).toBe('1970-01-01 00:00 UTC')
    expect(formatTimestamp(1704070800)).toBe('2024-01-01 01:00 UTC')
  })

  it('keeps plain text, emoji and markup-looking characters untouched', () => {
    for (const title of [
      'plain with characters that every target escapes differently',
      'emoji and non-latin text',
    ]) {
      expect(plainSample(title)).toBe(samples.get(title))
    }
  })

  it('renders the long sample completely', () => {
    const long = plainSample(
      "long text over every target's single-message limit (Telegram 4096, Slack 40000 chars)",
    )
    expect(long.startsWith('word0 & <x> word1 & <x> ')).toBe(true)
    expect(long.endsWith('word2999 & <x>')).toBe(true)
  })
})
