import { startBenchBridge } from './bench-bridge.js'
import { startBenchPortal } from './bench-portal.js'
import { editOf, formType } from './event-bodies.js'

/**
 * One fixture edit through a fresh bridge before any figure runs: if the bridge does not answer
 * 200 (a broken checkout, a config change), every figure would measure error answers instead.
 * Throws with the bridge's answer.
 */
export async function preflight(): Promise<void> {
  const portal = await startBenchPortal()
  const bridge = await startBenchBridge({
    webhookUrl: portal.portal.webhookUrl,
    outputs: { 'slack.bench': 'http://127.0.0.1:9' },
  })
  try {
    const res = await fetch(bridge.url, {
      method: 'POST',
      headers: { 'content-type': formType },
      body: editOf(1),
    })
    const text = await res.text()
    if (res.status !== 200) {
      throw new Error(
        `the bridge answered the fixture edit with ${res.status} ${text}; fix that before benchmarking`,
      )
    }
  } finally {
    await bridge.close()
    await portal.close()
  }
}
