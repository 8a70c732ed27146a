import type { JobInput, Store } from '../../../src/store/store.js'

/** A Store that only records `enqueue` (the real SQLite store is tested elsewhere); `fail` makes it reject. */
export interface RecordingStore extends Store {
  readonly jobs: JobInput[]
  fail: Error | undefined
}

export function recordingStore(): RecordingStore {
  const notUsed = (name: string) => () => {
    throw new Error(`the receiver must not call store.${name}`)
  }
  const store = {
    jobs: [] as JobInput[],
    fail: undefined as Error | undefined,
    async enqueue(jobs: readonly JobInput[]) {
      if (store.fail !== undefined) throw store.fail
      store.jobs.push(...jobs)
    },
    claim: notUsed('claim'),
    countPending: async () => 0,
    complete: notUsed('complete'),
    retry: notUsed('retry'),
    deadLetter: notUsed('deadLetter'),
    extendLease: notUsed('extendLease'),
    listDead: notUsed('listDead'),
    replayDead: notUsed('replayDead'),
    stats: notUsed('stats'),
    discardDead: notUsed('discardDead'),
    jobStates: notUsed('jobStates'),
    oldestPending: notUsed('oldestPending'),
    countEvents: notUsed('countEvents'),
    activity: notUsed('activity'),
    getMirror: notUsed('getMirror'),
    saveMirror: notUsed('saveMirror'),
    getChat: notUsed('getChat'),
    saveChat: notUsed('saveChat'),
    getConversation: notUsed('getConversation'),
    saveConversation: notUsed('saveConversation'),
    hasEarlierAdd: notUsed('hasEarlierAdd'),
    trimHistory: notUsed('trimHistory'),
    log: notUsed('log'),
    listDeliveries: notUsed('listDeliveries'),
    listPortals: notUsed('listPortals'),
    getPortal: notUsed('getPortal'),
    savePortal: notUsed('savePortal'),
    removePortal: notUsed('removePortal'),
    wakeGroup: notUsed('wakeGroup'),
    getOutputState: notUsed('getOutputState'),
    setOutputState: notUsed('setOutputState'),
    onCommitted: notUsed('onCommitted'),
    ping: notUsed('ping'),
    close: notUsed('close'),
  }
  return store
}
