// Packs the bridge as `npm pack` would publish it and installs the tarball into a fresh project, the
// way a user deploys it — offline, from npm's cache (which `npm ci` filled), so no test touches a
// registry. The install skips install scripts: nothing of the SDK is native, and the one test that
// runs the store copies better-sqlite3's addon that `npm ci` already built for this machine.
import { execFile } from 'node:child_process'
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const repoRoot = path.resolve(import.meta.dirname, '../..')

interface LockEntry {
  version?: string
  dev?: boolean
  link?: boolean
  resolved?: string
  [key: string]: unknown
}

/**
 * `npm pack` in a copy of the checkout (its `prepack` builds `dist/` there, never in the checkout
 * other tests run from). Returns the tarball's path.
 */
export async function packBridge(workDir: string): Promise<string> {
  const copy = path.join(workDir, 'bridge-src')
  await mkdir(copy, { recursive: true })
  for (const entry of [
    'package.json',
    'README.md',
    'tsconfig.json',
    'tsconfig.build.json',
    'bin',
    'src',
    'plugins',
    'examples',
    'docs',
    'config/bridge.example.yaml',
  ]) {
    await cp(path.join(repoRoot, entry), path.join(copy, entry), { recursive: true })
  }
  await symlink(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'), 'dir')
  const { stdout } = await run('npm', ['pack', '--pack-destination', workDir, '--silent'], {
    cwd: copy,
    maxBuffer: 16 * 1024 * 1024,
  })
  const name = stdout.trim().split('\n').pop() ?? ''
  return path.join(workDir, name)
}

function tarballUrl(key: string, version: string): string {
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)
  return `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`
}

/**
 * A project that depends on the tarball (and on local folders, e.g. a plugin), with a lockfile made
 * from the bridge's own: `npm ci --offline` then needs nothing but npm's cache.
 */
export async function installTarball(
  projectDir: string,
  tarball: string,
  localDeps: Record<string, { dir: string; manifest: Record<string, unknown> }> = {},
): Promise<void> {
  const lock = JSON.parse(await readFile(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>
  }
  const bridge = lock.packages['']!
  const spec = `file:${path.relative(projectDir, tarball)}`
  const dependencies: Record<string, string> = { 'openline-bridge': spec }
  const packages: Record<string, unknown> = {}
  for (const [name, local] of Object.entries(localDeps)) {
    dependencies[name] = `file:${local.dir}`
    packages[`node_modules/${name}`] = { resolved: local.dir, link: true }
    packages[local.dir] = { name, ...local.manifest }
  }
  packages['node_modules/openline-bridge'] = {
    version: bridge.version,
    resolved: spec,
    dependencies: bridge.dependencies,
    bin: bridge.bin,
    engines: bridge.engines,
  }
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev === true || entry.link === true) continue
    // npm 11 leaves `resolved` out of our lockfile; offline installs need it to find the cached tarball.
    packages[key] = { resolved: tarballUrl(key, entry.version ?? ''), ...entry }
  }
  const manifest = { name: 'deployment', version: '1.0.0', private: true, type: 'module', dependencies }
  packages[''] = { name: manifest.name, version: manifest.version, dependencies }
  await writeFile(path.join(projectDir, 'package.json'), JSON.stringify(manifest, null, 2))
  await writeFile(
    path.join(projectDir, 'package-lock.json'),
    JSON.stringify({ ...manifest, lockfileVersion: 3, requires: true, packages }, null, 2),
  )
  await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--silent'], {
    cwd: projectDir,
    maxBuffer: 16 * 1024 * 1024,
  })
}
