import { describe, expect, it } from 'vitest'
import { benchNodeFlags } from '../../../bench/support/start-flags.js'

describe('BENCH_NODE_FLAGS', () => {
  it('runs the figures children with no extra flag by default, and with the ones given otherwise', () => {
    expect(benchNodeFlags({})).toEqual([])
    expect(benchNodeFlags({ BENCH_NODE_FLAGS: '' })).toEqual([])
    expect(benchNodeFlags({ BENCH_NODE_FLAGS: ' --optimize-for-size  --max-semi-space-size=2 ' })).toEqual([
      '--optimize-for-size',
      '--max-semi-space-size=2',
    ])
  })
})
