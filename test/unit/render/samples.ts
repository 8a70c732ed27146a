import { readFileSync } from 'node:fs'

/** Loads test/fixtures/bbcode/samples.txt: `### title` lines, then the sample text until the next one. */
export function loadSamples(): Map<string, string> {
  const raw = readFileSync(new URL('../../fixtures/bbcode/samples.txt', import.meta.url), 'utf8')
  const samples = new Map<string, string>()
  let title: string | undefined
  let body: string[] = []
  const close = (): void => {
    if (title !== undefined) samples.set(title, body.join('\n'))
  }
  for (const line of raw.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('### ')) {
      close()
      title = line.slice(4)
      body = []
    } else {
      body.push(line)
    }
  }
  close()
  return samples
}
