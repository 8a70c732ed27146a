import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { PolicyConfig } from '../config/types.js'
import type { MirrorMessage } from '../model.js'
import {
  type ConversationContext,
  type ExternalRef,
  isOutputError,
  type OutputPlugin,
} from '../plugins/api.js'
import type { MirrorRecord, Store } from '../store/store.js'
import { contentHash, struckMessage } from './build-mirror-message.js'
import type { DeliverPayload } from './jobs.js'

/** Marks a mirror-map row as a send in progress: `pending:<idempotency key>`. */
export const PENDING = 'pending:'

export type Outcome =
  | { kind: 'applied'; action: string; ref: ExternalRef; text: string; hash: string }
  | { kind: 'skipped'; action: string; detail: string; touchVersion?: boolean }

export interface ApplyDeps {
  store: Store
  policy: PolicyConfig
  logger: Logger
  now: () => number
  /** The chat's thread in this output, handed to `send`. */
  conversation?: (output: string, msg: MirrorMessage) => Promise<ConversationContext | undefined>
}

/**
 * What one delivery does to one output's mirror — update in place, send, strike, delete, or skip —
 * given the stored mirror-map row. Scheduling, retries and bookkeeping are the worker's.
 */
export function createDeliveryApplier(
  deps: ApplyDeps,
): (plugin: OutputPlugin, p: DeliverPayload, stored: MirrorRecord | undefined) => Promise<Outcome> {
  const { store, policy } = deps
  const log = deps.logger

  /**
   * Creating a mirror is the one step a crash can repeat: the output may have made the message
   * before the bridge stored its ref. So an intent (`pending:<key>`) is stored first; a retry
   * that finds one reuses its key, asks the plugin to `recover` the message, and otherwise sends
   * again under the same key for the target to deduplicate.
   */
  async function create(
    plugin: OutputPlugin,
    p: DeliverPayload,
    msg: MirrorMessage,
    intent?: string,
  ): Promise<Outcome> {
    let key = intent
    const conversation = await deps.conversation?.(p.output, msg)
    if (key !== undefined && plugin.recover) {
      const found =
        conversation === undefined
          ? await plugin.recover(key, msg)
          : await plugin.recover(key, msg, conversation)
      if (found !== undefined) {
        log.info(
          { output: plugin.id, messageId: msg.messageId },
          'found the mirror an interrupted send had made',
        )
        const ref = await plugin.update(found, msg)
        return { kind: 'applied', action: 'recover', ref, text: msg.plainText, hash: contentHash(msg) }
      }
    }
    if (key === undefined) {
      key = randomUUID()
      await store.saveMirror({
        portal: p.portal,
        messageId: msg.messageId,
        output: p.output,
        ref: null,
        hash: `${PENDING}${key}`,
        version: 0,
        text: '',
        updatedAt: deps.now(),
      })
    }
    const sent = { ...msg, idempotencyKey: key }
    const ref = conversation === undefined ? await plugin.send(sent) : await plugin.send(sent, conversation)
    return { kind: 'applied', action: 'send', ref, text: msg.plainText, hash: contentHash(msg) }
  }

  async function apply(
    plugin: OutputPlugin,
    p: DeliverPayload,
    stored: MirrorRecord | undefined,
  ): Promise<Outcome> {
    const intent = stored?.hash.startsWith(PENDING) ? stored.hash.slice(PENDING.length) : undefined
    const mirror = intent === undefined ? stored : undefined
    const msg: MirrorMessage = mirror ? { ...p.message, previousText: mirror.text } : p.message
    if (mirror && p.version < mirror.version) {
      return {
        kind: 'skipped',
        action: 'none',
        detail: `older version ${p.version} < applied ${mirror.version}`,
      }
    }
    if (msg.kind === 'deleted') {
      if (!mirror) return { kind: 'skipped', action: 'none', detail: 'deleted message was never mirrored' }
      if (policy.deleted === 'ignore')
        return { kind: 'skipped', action: 'none', detail: 'policy.deleted is ignore' }
      if (policy.deleted === 'delete' && plugin.capabilities.delete && plugin.delete) {
        await plugin.delete(mirror.ref, msg)
        return { kind: 'applied', action: 'delete', ref: mirror.ref, text: '', hash: contentHash(msg) }
      }
      const ref = await plugin.update(mirror.ref, struckMessage(msg, mirror.text))
      return { kind: 'applied', action: 'strike', ref, text: mirror.text, hash: contentHash(msg) }
    }
    const hash = contentHash(msg)
    if (mirror?.hash === hash) {
      return { kind: 'skipped', action: 'none', detail: 'text unchanged', touchVersion: true }
    }
    if (mirror && plugin.capabilities.edit) {
      try {
        const ref = await plugin.update(mirror.ref, msg)
        return { kind: 'applied', action: 'update', ref, text: msg.plainText, hash }
      } catch (err) {
        if (!isOutputError(err) || err.reason !== 'gone') throw err
        if (policy.missingOriginal === 'skip') {
          return { kind: 'skipped', action: 'none', detail: `original is gone (${err.message}); policy skip` }
        }
        log.info(
          { output: plugin.id, messageId: msg.messageId },
          'original mirror is gone; sending a new one',
        )
      }
    } else if (
      !mirror &&
      intent === undefined &&
      msg.kind === 'updated' &&
      policy.missingOriginal === 'skip'
    ) {
      return { kind: 'skipped', action: 'none', detail: 'original was never mirrored; policy skip' }
    }
    return create(plugin, p, msg, intent)
  }

  return apply
}
