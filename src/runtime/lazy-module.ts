import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * A CommonJS dependency loaded on first use instead of at start: the output SDKs (telegraf,
 * @slack/web-api, nodemailer) and pg cost about 11 MB of resident memory together, and a bridge
 * uses the ones its config names. Types still come from a static `import type`.
 */
export function lazyModule<T>(id: string): () => T {
  let loaded: T | undefined
  return () => {
    loaded ??= require(id) as T
    return loaded
  }
}
