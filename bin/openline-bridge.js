#!/usr/bin/env node
// Runs dist/ when it is at least as new as every source file (an installed package, or a checkout
// after `npm run build`); otherwise the TypeScript source through tsx, so a stale build can never
// stand in for the code being worked on.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const source = join(root, 'src', 'main.ts')
const compiled = join(root, 'dist', 'src', 'main.js')

function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

function buildIsCurrent() {
  if (!existsSync(compiled)) return false
  if (!existsSync(source)) return true
  const built = statSync(compiled).mtimeMs
  return ['src', 'plugins'].every(
    (dir) => !existsSync(join(root, dir)) || newestSource(join(root, dir)) <= built,
  )
}

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api')
    return true
  } catch {
    return false
  }
}

if (buildIsCurrent()) {
  await import(pathToFileURL(compiled).href)
} else if (existsSync(source) && hasTsx()) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(source).href)
} else {
  process.stderr.write('openline-bridge: no current build found; run `npm run build` first\n')
  process.exit(1)
}
