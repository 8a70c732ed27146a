import { fileURLToPath } from 'node:url'
import { bitrixEfficiencyFigure } from './figures/bitrix-efficiency.js'
import { coalescingFigure } from './figures/coalescing.js'
import { cpuPerEditFigure } from './figures/cpu-per-edit.js'
import { endToEndFigure } from './figures/end-to-end.js'
import { ingestFigure } from './figures/ingest.js'
import { memoryFigure } from './figures/memory.js'
import { scaleOutFigure } from './figures/scale-out.js'
import { handwrittenFigure } from './figures/vs-handwritten.js'
import { parseArgs } from './support/args.js'
import type { BenchContext, Figure, FigureResult } from './support/figure.js'
import { machineInfo } from './support/machine.js'
import { preflight } from './support/preflight.js'
import { type RunResult, renderMarkdown, writeResults } from './support/report.js'

// `npm run bench [-- --quick] [-- --only 1,2] [-- --no-write]`: every figure of issue 6, one after
// the other on loopback, each next to its baseline measured in the same run. Never part of npm test.

const figures: Array<[number, Figure]> = [
  [1, ingestFigure],
  [2, bitrixEfficiencyFigure],
  [3, coalescingFigure],
  [4, endToEndFigure],
  [5, handwrittenFigure],
  [6, memoryFigure],
  [7, scaleOutFigure],
  [8, cpuPerEditFigure],
]

const args = parseArgs(process.argv.slice(2))
const started = performance.now()
const out = (line: string) => process.stdout.write(`${line}\n`)
const ctx: BenchContext = {
  quick: args.quick,
  log: (line) => out(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`),
}
await preflight()
const results: FigureResult[] = []
for (const [id, figure] of figures) {
  if (args.only.length > 0 && !args.only.includes(id)) continue
  const figureStart = performance.now()
  const result = await figure(ctx)
  results.push({ ...result, durationSec: (performance.now() - figureStart) / 1000 })
}
const run: RunResult = {
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  date: new Date().toISOString(),
  machine: machineInfo(),
  quick: args.quick,
  totalSec: (performance.now() - started) / 1000,
  figures: results,
}
const markdown = renderMarkdown(run)
out('')
out(markdown)
if (args.write) {
  await writeResults(run, fileURLToPath(new URL('.', import.meta.url)))
  out('written: bench/results/latest.json, bench/RESULTS.md')
}
