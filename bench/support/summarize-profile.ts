/** The parts of a V8 `.cpuprofile` (node --cpu-prof, inspector Profiler.stop) this reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number }
    children?: number[]
  }>
  samples: number[]
  /** Microseconds since the previous sample. */
  timeDeltas: number[]
}

export interface ProfileEntry {
  name: string
  /** Share of busy time (everything but `(idle)`), 0..1. */
  share: number
  ms: number
}

export interface ProfileSummary {
  totalMs: number
  idleMs: number
  busyMs: number
  /** Functions by self time. */
  self: ProfileEntry[]
  /** Areas (src/receiver, src/store, a package, native, GC…) by self time. */
  areas: ProfileEntry[]
  /** Areas by inclusive time: a sample counts for every area on its stack. */
  inclusive: ProfileEntry[]
}

const special = new Set(['(idle)', '(program)', '(garbage collector)', '(root)'])

function shortUrl(url: string, root: string): string {
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url
  return path.startsWith(root) ? path.slice(root.length) : path
}

/** Where a frame belongs: `src/receiver`, `src/store`, `fastify`, `node internals`, `native run`… */
export function areaOf(functionName: string, url: string, root: string): string {
  if (special.has(functionName) && url === '') return functionName
  if (url === '') return `native ${functionName || '(anonymous)'}`
  if (url.startsWith('node:')) return 'node internals'
  const path = shortUrl(url, root)
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (pkg) return pkg[1] ?? path
  const [top, second] = path.split('/')
  return top === 'src' || top === 'bench' || top === 'plugins'
    ? `${top}/${(second ?? '').replace(/\.ts$/, '')}`
    : path
}

function ranked(map: Map<string, number>, busyUs: number, limit: number): ProfileEntry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs === 0 ? 0 : us / busyUs }))
}

/** Self and inclusive time by function and by area; `root` is stripped from file paths. */
export function summarizeProfile(profile: CpuProfile, root: string, limit = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<string, number>()
  const areas = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let totalUs = 0
  let idleUs = 0
  profile.samples.forEach((id, i) => {
    // A sample stands for the time until the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0
    totalUs += dt
    const node = byId.get(id)
    if (!node) return
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') {
      idleUs += dt
      return
    }
    const key =
      url === '' ? functionName : `${functionName || '(anonymous)'} ${shortUrl(url, root)}:${lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + dt)
    const area = areaOf(functionName, url, root)
    areas.set(area, (areas.get(area) ?? 0) + dt)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame
      if (frame === undefined || frame.functionName === '(root)') continue
      seen.add(areaOf(frame.functionName, frame.url, root))
    }
    for (const a of seen) inclusive.set(a, (inclusive.get(a) ?? 0) + dt)
  })
  const busyUs = totalUs - idleUs
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    self: ranked(self, busyUs, limit),
    areas: ranked(areas, busyUs, limit),
    inclusive: ranked(inclusive, busyUs, limit),
  }
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`

/** Markdown tables of a summary (PROFILE.md material). */
export function renderProfile(summary: ProfileSummary): string {
  const table = (title: string, entries: ProfileEntry[]) => [
    `| ${title} | ms | share of busy time |`,
    '| --- | --- | --- |',
    ...entries.map((e) => `| \`${e.name.replaceAll('|', '\\|')}\` | ${e.ms.toFixed(0)} | ${pct(e.share)} |`),
    '',
  ]
  return [
    `Profile: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.busyMs.toFixed(0)} ms busy, ` +
      `${summary.idleMs.toFixed(0)} ms idle.`,
    '',
    ...table('area (self time)', summary.areas),
    ...table('area (inclusive: on the stack)', summary.inclusive),
    ...table('function (self time)', summary.self),
  ].join('\n')
}
