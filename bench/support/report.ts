import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FigureResult, Row } from './figure.js'
import type { MachineInfo } from './machine.js'
import { round } from './stats.js'

export interface RunResult {
  command: string
  date: string
  machine: MachineInfo
  quick: boolean
  totalSec: number
  figures: FigureResult[]
}

function num(value: number): string {
  return Number.isFinite(value) ? round(value).toLocaleString('en-US') : String(value)
}

function valueCell(row: Row): string {
  if (typeof row.value === 'string') return row.value
  return row.unit === '' ? num(row.value) : `${num(row.value)} ${row.unit}`
}

function baselineCell(row: Row): string {
  if (row.baseline === undefined) return '—'
  if (row.baselineValue === undefined) return row.baseline
  const unit = row.unit === '' ? '' : ` ${row.unit}`
  return `${num(row.baselineValue)}${unit} (${row.baseline})`
}

function ratioCell(row: Row): string {
  if (row.ratio === undefined) return '—'
  const text = `${num(row.ratio)}×`
  return row.ratioNote === undefined ? text : `${text} ${row.ratioNote}`
}

function metCell(row: Row): string {
  if (row.met === true) return 'met'
  if (row.met === false) return '**not met**'
  return '—'
}

// Pipes inside cells would break the table.
const cell = (text: string) => text.replaceAll('|', '\\|')

/** A table padded the way Biome's markdown formatter pads it, so `npm run lint` accepts the file. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows].map((r) => r.map(cell))
  const width = (text: string) => [...text].length
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => width(r[i] ?? ''))))
  const line = (r: readonly string[]) =>
    `| ${widths.map((w, i) => (r[i] ?? '') + ' '.repeat(w - width(r[i] ?? ''))).join(' | ')} |`
  const [head, ...body] = all
  return [line(head ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)]
}

export function renderMarkdown(run: RunResult): string {
  const m = run.machine
  const lines = [
    '# Benchmark results',
    '',
    `- command: \`${run.command}\`${run.quick ? ' (quick: smaller N, shorter runs)' : ''}`,
    `- date: ${run.date}`,
    `- machine: ${m.cpu}, ${m.cores} cores, ${num(m.totalMemMb / 1024)} GB RAM, ${m.os}`,
    `- node: ${m.node}`,
    `- total run time: ${num(run.totalSec)} s`,
    '',
  ]
  const rows = run.figures.flatMap((figure) =>
    figure.rows.map((row) => [
      String(figure.id),
      figure.title,
      row.metric,
      valueCell(row),
      baselineCell(row),
      ratioCell(row),
      row.goal ?? '—',
      metCell(row),
    ]),
  )
  const header = ['#', 'figure', 'metric', 'value', 'baseline (same run)', 'ratio', 'goal', 'met']
  lines.push(...markdownTable(header, rows))
  lines.push('', '## How each figure was measured', '')
  for (const figure of run.figures) {
    lines.push(`**${figure.id}. ${figure.title}** (${num(figure.durationSec)} s)`, '')
    for (const note of figure.notes) lines.push(`- ${note}`)
    lines.push('')
  }
  return `${lines.join('\n').trimEnd()}\n`
}

/** Writes `results/latest.json` and `RESULTS.md` under `benchDir`. */
export async function writeResults(run: RunResult, benchDir: string): Promise<void> {
  await mkdir(join(benchDir, 'results'), { recursive: true })
  await writeFile(join(benchDir, 'results', 'latest.json'), `${JSON.stringify(run, null, 2)}\n`)
  await writeFile(join(benchDir, 'RESULTS.md'), renderMarkdown(run))
}
