import { describe, expect, it } from 'vitest'
import { type RunResult, renderMarkdown } from '../../../bench/support/report.js'

const run: RunResult = {
  command: 'npm run bench -- --quick',
  date: '2026-01-02T03:04:05.000Z',
  machine: { cpu: 'Test CPU', cores: 2, totalMemMb: 2048, os: 'Linux', node: 'v20.0.0' },
  quick: true,
  totalSec: 42,
  figures: [
    {
      id: 1,
      title: 'Ingest',
      durationSec: 10,
      notes: ['measured | carefully'],
      rows: [
        {
          metric: 'req/s',
          value: 6000,
          unit: 'req/s',
          baseline: 'bare fastify',
          baselineValue: 10000,
          ratio: 0.6,
          goal: '≥ 60 %',
          met: true,
        },
        { metric: 'p99', value: 12.345, unit: 'ms', goal: '≤ 10 ms', met: false },
        { metric: 'scale-out', value: 'not measured: Redis store not implemented yet', unit: '', met: null },
      ],
    },
  ],
}

describe('bench RESULTS.md', () => {
  const md = renderMarkdown(run)

  it('states the command, machine, node and date', () => {
    expect(md).toContain('`npm run bench -- --quick`')
    expect(md).toContain('Test CPU, 2 cores, 2 GB RAM')
    expect(md).toContain('v20.0.0')
    expect(md).toContain('2026-01-02T03:04:05.000Z')
  })

  // Cells are padded to the column width (Biome's markdown format); compare them trimmed.
  const rows = md
    .split('\n')
    .filter((line) => line.startsWith('| 1 '))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim()),
    )

  it('puts value, baseline, ratio, goal and verdict in one row', () => {
    expect(rows[0]).toEqual([
      '1',
      'Ingest',
      'req/s',
      '6,000 req/s',
      '10,000 req/s (bare fastify)',
      '0.6×',
      '≥ 60 %',
      'met',
    ])
    expect(rows[1]).toEqual(['1', 'Ingest', 'p99', '12.3 ms', '—', '—', '≤ 10 ms', '**not met**'])
  })

  it('pads every line of the table to the same width', () => {
    const table = md.split('\n').filter((line) => line.startsWith('|'))
    expect(table.length).toBe(5)
    expect(new Set(table.map((line) => [...line].length)).size).toBe(1)
  })

  it('prints an unmeasured figure as text, never as a number', () => {
    expect(rows[2]?.[3]).toBe('not measured: Redis store not implemented yet')
  })

  it('escapes pipes so notes cannot break the table', () => {
    expect(md).toContain('measured | carefully')
    expect(md).not.toMatch(/\| 1 \| Ingest \|.*measured \| carefully/)
  })
})
