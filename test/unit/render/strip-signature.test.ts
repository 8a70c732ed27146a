import { describe, expect, it } from 'vitest'
import { stripOperatorSignature } from '../../../src/render/strip-signature.js'
import { loadSamples } from './samples.js'

describe('stripOperatorSignature', () => {
  it('removes the signature the connector copy carries', () => {
    const text = loadSamples().get('operator signature as the connector copy carries it') ?? ''
    expect(stripOperatorSignature(text)).toBe('Your order ships tomorrow')
  })

  it('accepts #BR#, a newline, any tag case and no trailing space', () => {
    expect(stripOperatorSignature('[b]Anna:[/b]#BR#Hi')).toBe('Hi')
    expect(stripOperatorSignature('[B]Anna Petrova:[/B]\nHi')).toBe('Hi')
    expect(stripOperatorSignature('[b]Анна:[/b]\r\n Hi')).toBe('Hi')
  })

  it('keeps a bold line that is not a signature', () => {
    for (const text of [
      '[b]Important[/b][br] read this', // no colon
      '[b]Note:[/b] same line', // no break
      'Hi [b]Anna:[/b][br] there', // not at the start
      '[b][/b][br]x', // no name
    ]) {
      expect(stripOperatorSignature(text)).toBe(text)
    }
  })

  it('removes only the first signature', () => {
    expect(stripOperatorSignature('[b]A:[/b][br] [b]B:[/b][br] text')).toBe('[b]B:[/b][br] text')
  })
})
