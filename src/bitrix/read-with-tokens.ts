import type { MessageRef, ReadResult } from './types.js'

/** Reads refs with one token: a user's access token, or `undefined` for the app's stored token. */
export type ReadAs = (refs: readonly MessageRef[], userToken: string | undefined) => Promise<ReadResult[]>

/** A user-token result worth a second try with the app's token. */
function worthRetrying(result: ReadResult): boolean {
  if (result.status === 'error') return !result.error.retryable
  if (result.status === 'unreadable') return true
  return result.status === 'ok' && result.unverified
}

/**
 * OAuth mode's read (BITRIX24.md §3): the editing operator's own token, when the event carried one,
 * is tried first: the operator is a member of the chat, so `im.dialog.messages.get` can see the
 * message. User tokens cannot be refreshed and expire within the hour: what they cannot read
 * (expired, rejected, no access, or only the event text) is read again with the app's token.
 * Refs of one token share batches; results follow `refs` order.
 */
export async function readWithTokens(refs: readonly MessageRef[], read: ReadAs): Promise<ReadResult[]> {
  const results: (ReadResult | undefined)[] = new Array(refs.length)
  const byUser = new Map<string, number[]>()
  const viaApp: number[] = []
  refs.forEach((ref, i) => {
    if (ref.userToken === undefined) viaApp.push(i)
    else byUser.set(ref.userToken, [...(byUser.get(ref.userToken) ?? []), i])
  })
  await Promise.all(
    [...byUser].map(async ([token, indexes]) => {
      const read1 = await read(
        indexes.map((i) => refs[i] as MessageRef),
        token,
      )
      indexes.forEach((i, k) => {
        const result = read1[k]
        results[i] = result
        if (result === undefined || worthRetrying(result)) viaApp.push(i)
      })
    }),
  )
  if (viaApp.length > 0) {
    const appRefs = viaApp.map((i) => {
      const { userToken: _dropped, ...ref } = refs[i] as MessageRef
      return ref
    })
    const read2 = await read(appRefs, undefined)
    viaApp.forEach((i, k) => {
      const second = read2[k]
      const first = results[i]
      // Keep the user's unverified read when the app cannot do better.
      const keepFirst = first?.status === 'ok' && second?.status === 'error'
      if (second !== undefined && !keepFirst) results[i] = second
    })
  }
  return results.map((r) => r as ReadResult)
}
