/**
 * Extra node flags for the bridge's child process in the memory and CPU figures, for an A/B run of
 * a V8 setting (`BENCH_NODE_FLAGS=--optimize-for-size npm run bench -- --only 6,8`). Default none:
 * the figures measure the bridge as `npm start` runs it.
 */
export function benchNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '')
}
