/** One measured number of a figure, next to the baseline it is judged against. */
export interface Row {
  metric: string
  /** The measured value (a number in `unit`, or a sentence when nothing could be measured). */
  value: number | string
  unit: string
  /** What the value is compared with, in words, e.g. `bare fastify, same bodies`. */
  baseline?: string
  baselineValue?: number
  /** value ÷ baseline (or the figure's own definition, stated in `ratioNote`). */
  ratio?: number
  ratioNote?: string
  /** The goal from issue 6, in words. */
  goal?: string
  /** true met, false not met, null: the goal does not apply to this row. */
  met?: boolean | null
}

export interface FigureResult {
  id: number
  title: string
  rows: Row[]
  /** How it was measured: config deviations from defaults, what was enqueued how, caveats. */
  notes: string[]
  durationSec: number
}

export interface BenchContext {
  quick: boolean
  /** Progress line on stdout. */
  log(line: string): void
}

export type Figure = (ctx: BenchContext) => Promise<Omit<FigureResult, 'durationSec'>>
