import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../../bench/support/args.js'

describe('bench args', () => {
  it('runs everything and writes results by default', () => {
    expect(parseArgs([])).toEqual({ quick: false, only: [], write: true })
  })

  it('reads --quick and --only in both spellings', () => {
    expect(parseArgs(['--quick', '--only', '1,3'])).toMatchObject({ quick: true, only: [1, 3] })
    expect(parseArgs(['--only=2'])).toMatchObject({ only: [2] })
  })

  it('never lets a partial run overwrite the full results', () => {
    expect(parseArgs(['--only', '1']).write).toBe(false)
    expect(parseArgs(['--no-write']).write).toBe(false)
  })

  it('rejects unknown flags and figure numbers', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option "--fast"/)
    expect(() => parseArgs(['--only', '9'])).toThrow(/figure numbers 1-8/)
  })
})
