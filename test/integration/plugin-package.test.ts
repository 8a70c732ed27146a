import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installTarball, packBridge, repoRoot } from '../support/pack-bridge.js'

/**
 * The plugin SDK as a plugin author meets it: `npm pack` the bridge, install the tarball into a new
 * project, put a TypeScript plugin in its own folder that imports only `openline-bridge/plugin`,
 * compile it with its own tsconfig, and run it through the installed bridge's CLI.
 */
const run = promisify(execFile)
const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc')
let dir: string
let deployment: string
let tarball: string
let sink: { server: Server; url: string; bodies: Array<Record<string, unknown>>; status: number }

async function cli(cwd: string, bin: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'olb-pack-'))
  tarball = await packBridge(dir)
  deployment = path.join(dir, 'deployment')
  await mkdir(deployment)
  await cp(path.join(repoRoot, 'test/fixtures/plugin-package'), path.join(deployment, 'my-plugin'), {
    recursive: true,
  })
  const pluginManifest = {
    version: '1.0.0',
    type: 'module',
    exports: './dist/index.js',
    peerDependencies: { 'openline-bridge': '>=0.1.0' },
  }
  await writeFile(
    path.join(deployment, 'my-plugin', 'package.json'),
    JSON.stringify({ name: 'my-plugin', ...pluginManifest }, null, 2),
  )
  await installTarball(deployment, tarball, { 'my-plugin': { dir: 'my-plugin', manifest: pluginManifest } })
  sink = { bodies: [], status: 200 } as unknown as typeof sink
  sink.server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      sink.bodies.push(JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
      res.writeHead(sink.status, { 'content-type': 'application/json' }).end('{"id":"m-1"}')
    })
  })
  await new Promise<void>((r) => sink.server.listen(0, '127.0.0.1', r))
  sink.url = `http://127.0.0.1:${(sink.server.address() as AddressInfo).port}/posts`
}, 240_000)

afterAll(async () => {
  await new Promise((r) => sink?.server.close(r))
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the packed package', () => {
  it('exports openline-bridge/plugin with types that a plugin compiles against with its own tsc', async () => {
    const manifest = JSON.parse(
      await readFile(path.join(deployment, 'node_modules/openline-bridge/package.json'), 'utf8'),
    ) as { exports: Record<string, { types: string; import: string }> }
    expect(manifest.exports['./plugin']).toEqual({
      types: './dist/src/plugin.d.ts',
      import: './dist/src/plugin.js',
    })
    // type-checks.ts holds @ts-expect-error lines: with missing or `any` types this would fail.
    const compiled = await run(process.execPath, [tsc, '-p', 'my-plugin/tsconfig.json'], {
      cwd: deployment,
    }).then(
      () => 'ok',
      (err: { stdout: string }) => err.stdout,
    )
    expect(compiled).toBe('ok')
  }, 60_000)

  it('runs the compiled plugin, named by package, through the installed CLI (send-test)', async () => {
    await writeFile(
      path.join(deployment, 'bridge.yaml'),
      JSON.stringify({ outputs: { mine: { type: 'my-plugin', url: sink.url } }, routes: [{ to: ['mine'] }] }),
    )
    sink.bodies.length = 0
    sink.status = 200
    const bin = path.join(deployment, 'node_modules/openline-bridge/bin/openline-bridge.js')
    const result = await cli(deployment, bin, [
      'send-test',
      '--config',
      'bridge.yaml',
      '--output',
      'mine',
      '--text',
      'a [b]bold[/b] 2*3',
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/ok {3}send: ref \{"id":"m-1"\}/)
    expect(result.stdout).toMatch(/ok {3}edit/)
    expect(result.stdout).toMatch(/ok {3}delete/)
    expect(sink.bodies.map((b) => b.action)).toEqual(['created', 'updated', 'deleted'])
    // The SDK's Markdown helper ran inside the plugin: ours is bold, the typed `*` is escaped.
    expect(sink.bodies[0]?.markdown).toBe('a **bold** 2\\*3')
    expect(sink.bodies[1]?.ref).toEqual({ id: 'm-1' })
  }, 60_000)

  it("keeps the code of an OutputError made by the plugin's own copy of the SDK", async () => {
    sink.status = 401
    const bin = path.join(deployment, 'node_modules/openline-bridge/bin/openline-bridge.js')
    const result = await cli(deployment, bin, ['send-test', '-c', 'bridge.yaml', '-o', 'mine'])
    sink.status = 200
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('FAIL send: BRG_ERR_OUTPUT_AUTH:')
  }, 60_000)

  it('loads a .ts plugin path with dist/ built, as `npm start` runs it', async () => {
    // bridge-src is the checkout copy that `npm pack` built dist/ in; the bin runs dist/ there.
    const checkout = path.join(dir, 'bridge-src')
    const out = path.join(dir, 'file-output.jsonl')
    await writeFile(
      path.join(checkout, 'bridge.yaml'),
      JSON.stringify({
        outputs: { 'audit.file': { type: './examples/plugins/file-output.ts', path: out } },
        routes: [{ to: ['audit.file'] }],
      }),
    )
    const bin = path.join(checkout, 'bin/openline-bridge.js')
    const result = await cli(checkout, bin, ['send-test', '-c', 'bridge.yaml', '-o', 'audit.file'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = (await readFile(out, 'utf8')).trim().split('\n')
    expect(lines.map((l) => (JSON.parse(l) as { action: string }).action)).toEqual([
      'created',
      'updated',
      'deleted',
    ])
  }, 60_000)
})
