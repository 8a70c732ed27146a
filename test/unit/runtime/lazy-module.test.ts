import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** Which of the given packages a fresh node process has loaded after importing `modules`. */
function loadedAfter(modules: string[], packages: string[]): string[] {
  const script = `
    for (const m of ${JSON.stringify(modules)}) await import(m)
    const { createRequire } = await import('node:module')
    const cache = Object.keys(createRequire(import.meta.url).cache)
    const packages = ${JSON.stringify(packages)}
    console.log(JSON.stringify(packages.filter((p) => cache.some((file) => file.includes('/node_modules/' + p + '/')))))
  `
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  })
  return JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[]
}

// nodemailer is an ES module package: an `import` of it would not show in require's cache, so this
// checks the three CommonJS ones (nodemailer is loaded through the same lazyModule).
const sdks = ['telegraf', '@slack/web-api', 'pg']

describe('output SDKs and the Postgres driver load on first use', () => {
  it('building the app from a config that uses none of them loads none of them', () => {
    expect(
      loadedAfter(['./src/app.ts', './src/plugins/resolve-plugin.ts', './src/store/index.ts'], sdks),
    ).toEqual([])
  }, 60_000)

  it('lazyModule loads the module on the first call, once', () => {
    expect(loadedAfter(['./src/runtime/lazy-module.ts'], ['pg'])).toEqual([])
    const script = `
      const { lazyModule } = await import('./src/runtime/lazy-module.ts')
      const load = lazyModule('pg')
      const first = load()
      console.log(JSON.stringify([typeof first.Pool, first === load()]))
    `
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(JSON.parse(out.trim())).toEqual(['function', true])
  }, 60_000)
})
