import { describe, expect, it } from 'vitest'
import { areaOf, type CpuProfile, summarizeProfile } from '../../../bench/support/summarize-profile.js'

const root = '/repo/'
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber })

// root → handler (src/receiver) → parse (qs) ; handler → run (native); plus idle.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5] },
    { id: 2, callFrame: frame('handler', 'file:///repo/src/receiver/receive.ts', 9), children: [3, 4] },
    { id: 3, callFrame: frame('parse', 'file:///repo/node_modules/qs/lib/parse.js', 133) },
    { id: 4, callFrame: frame('run') },
    { id: 5, callFrame: frame('(idle)') },
  ],
  // Each sample counts for the delta of the next one.
  samples: [3, 3, 4, 2, 5, 5],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 5000],
}

describe('bench profile summary', () => {
  it('splits busy and idle time', () => {
    const s = summarizeProfile(profile, root)
    expect(s.totalMs).toBe(9)
    expect(s.idleMs).toBe(5)
    expect(s.busyMs).toBe(4)
  })

  it('ranks functions by self time with their file and line', () => {
    const s = summarizeProfile(profile, root)
    expect(s.self[0]).toEqual({ name: 'parse node_modules/qs/lib/parse.js:134', ms: 2, share: 0.5 })
    expect(s.self.map((e) => e.name)).toContain('run')
  })

  it('counts a sample for every area on its stack when inclusive', () => {
    const s = summarizeProfile(profile, root)
    const inclusive = Object.fromEntries(s.inclusive.map((e) => [e.name, e.ms]))
    expect(inclusive['src/receiver']).toBe(4)
    expect(inclusive.qs).toBe(2)
    expect(inclusive['native run']).toBe(1)
  })

  it('names areas by source folder, package or native function', () => {
    expect(areaOf('x', 'file:///repo/src/store/sqlite/enqueue-jobs.ts', root)).toBe('src/store')
    expect(areaOf('x', 'file:///repo/node_modules/@scope/pkg/i.js', root)).toBe('@scope/pkg')
    expect(areaOf('emit', 'node:events', root)).toBe('node internals')
    expect(areaOf('(garbage collector)', '', root)).toBe('(garbage collector)')
    expect(areaOf('writev', '', root)).toBe('native writev')
  })
})
