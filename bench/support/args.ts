export interface BenchArgs {
  quick: boolean
  /** Figure numbers to run; empty = all. */
  only: number[]
  /** Do not write results/latest.json and RESULTS.md (partial or exploratory runs). */
  write: boolean
}

/** `--quick`, `--only 1,3` (or `--only=1,3`), `--no-write`. Unknown flags are an error. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: [], write: true }
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? ''
    if (arg === '--quick') args.quick = true
    else if (arg === '--no-write') args.write = false
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length)
      args.only = (list ?? '').split(',').map(Number)
      if (args.only.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) {
        throw new Error(`--only takes figure numbers 1-8 separated by commas, got "${list}"`)
      }
    } else {
      throw new Error(`unknown option "${arg}"; use --quick, --only 1,2 or --no-write`)
    }
  }
  // A partial run must not overwrite the full table.
  if (args.only.length > 0) args.write = false
  return args
}
