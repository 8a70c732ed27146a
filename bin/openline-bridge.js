#!/usr/bin/env node
// In a checkout (src/ present and tsx installed) this runs the TypeScript source, so a stale
// dist/ can never stand in for the code being worked on; an installed package runs dist/.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const source = `${root}src/main.ts`
const compiled = `${root}dist/src/main.js`

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api')
    return true
  } catch {
    return false
  }
}

if (existsSync(source) && hasTsx()) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(source).href)
} else if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href)
} else {
  process.stderr.write('openline-bridge: no build found; run `npm run build` first\n')
  process.exit(1)
}
