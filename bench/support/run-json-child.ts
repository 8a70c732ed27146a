import { spawn } from 'node:child_process'

/**
 * Run a script in a child node (TypeScript under tsx, or compiled JS) and parse the JSON it prints on stdout.
 * Killed after `limitMs`, so a stuck child fails the figure instead of hanging the run.
 */
export function runJsonChild<T>(nodeArgs: string[], limitMs: number, what: string, tsx = true): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(tsx ? ['--import', 'tsx'] : []), ...nodeArgs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`${what} exited with ${code}`))
      try {
        resolve(JSON.parse(out) as T)
      } catch (err) {
        reject(err)
      }
    })
  })
}
