import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

// Node's ESM resolver cannot take a parent directory without a flag on Node 20
// (`import.meta.resolve(spec, parent)`), and `require.resolve` rejects packages that only export an
// `import` condition (openline-bridge itself does). So: read `exports` by hand for the common cases,
// then fall back to the CommonJS resolver for everything else (patterns, `main`-only packages).
const conditions = new Set(['import', 'node', 'default'])

function splitName(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/')
  const size = specifier.startsWith('@') ? 2 : 1
  const rest = parts.slice(size).join('/')
  return { name: parts.slice(0, size).join('/'), subpath: rest ? `./${rest}` : '.' }
}

function pickTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = pickTarget(item)
      if (found) return found
    }
    return undefined
  }
  if (target && typeof target === 'object') {
    // Conditions apply in the object's own key order, as Node does.
    for (const [key, value] of Object.entries(target)) {
      if (!conditions.has(key)) continue
      const found = pickTarget(value)
      if (found) return found
    }
  }
  return undefined
}

function entryOf(pkg: Record<string, unknown>, subpath: string): string | undefined {
  const exportsField = pkg.exports
  if (exportsField === undefined) {
    if (subpath !== '.') return subpath
    return typeof pkg.main === 'string' ? pkg.main : 'index.js'
  }
  const isSubpathMap =
    exportsField !== null &&
    typeof exportsField === 'object' &&
    !Array.isArray(exportsField) &&
    Object.keys(exportsField).some((key) => key.startsWith('.'))
  if (!isSubpathMap) return subpath === '.' ? pickTarget(exportsField) : undefined
  return pickTarget((exportsField as Record<string, unknown>)[subpath])
}

function findByExports(specifier: string, cwd: string): string | undefined {
  const { name, subpath } = splitName(specifier)
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, 'node_modules', name)
    const manifest = path.join(pkgDir, 'package.json')
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>
      const entry = entryOf(pkg, subpath)
      const file = entry ? path.resolve(pkgDir, entry) : undefined
      return file && existsSync(file) ? file : undefined
    }
    if (path.dirname(dir) === dir) return undefined
  }
}

/** Absolute file of a package (or package subpath) as seen from `cwd`, preferring its ESM entry. */
export function resolvePackage(specifier: string, cwd: string): string {
  const found = findByExports(specifier, cwd)
  if (found) return found
  // Throws MODULE_NOT_FOUND with Node's own explanation when the package is not installed.
  return createRequire(path.join(path.resolve(cwd), 'noop.js')).resolve(specifier)
}
