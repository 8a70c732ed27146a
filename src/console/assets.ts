import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { FastifyInstance } from 'fastify'
import { clientScript } from './client-script.js'
import { styles } from './styles.js'

const require = createRequire(import.meta.url)

interface Asset {
  type: string
  /** Read on first use (the files come from the installed packages, no build step). */
  body: () => string
}

const fromPackage = (path: string) => () => readFileSync(require.resolve(path), 'utf8')

const assets: Record<string, Asset> = {
  'htmx.js': { type: 'text/javascript', body: fromPackage('htmx.org/dist/htmx.min.js') },
  'uplot.js': { type: 'text/javascript', body: fromPackage('uplot/dist/uPlot.iife.min.js') },
  'uplot.css': { type: 'text/css', body: fromPackage('uplot/dist/uPlot.min.css') },
  'console.js': { type: 'text/javascript', body: () => clientScript },
  'console.css': { type: 'text/css', body: () => styles },
}

const loaded = new Map<string, { body: string; hash: string }>()

function load(name: string): { body: string; hash: string } | undefined {
  const asset = assets[name]
  if (asset === undefined) return undefined
  let entry = loaded.get(name)
  if (entry === undefined) {
    const body = asset.body()
    entry = { body, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) }
    loaded.set(name, entry)
  }
  return entry
}

/** `/assets/<hash>/<name>`: the content hash in the path lets browsers cache it for a year. */
export function assetPath(name: string): string {
  return `/assets/${load(name)?.hash ?? 'missing'}/${name}`
}

export function registerAssets(server: FastifyInstance): void {
  server.get<{ Params: { hash: string; name: string } }>('/assets/:hash/:name', async (request, reply) => {
    const entry = load(request.params.name)
    const asset = assets[request.params.name]
    if (entry === undefined || asset === undefined || entry.hash !== request.params.hash) {
      return reply.code(404).send({ error: 'no such asset' })
    }
    reply.header('content-type', `${asset.type}; charset=utf-8`)
    reply.header('cache-control', 'public, max-age=31536000, immutable')
    return entry.body
  })
}
