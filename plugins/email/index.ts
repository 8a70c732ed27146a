import { randomBytes } from 'node:crypto'
import { formatPath } from '../../src/config/problems.js'
import { BridgeError, ErrorCodes } from '../../src/errors.js'
import type { MirrorMessage } from '../../src/model.js'
import { type ConversationContext, definePlugin, OutputError } from '../../src/plugins/api.js'
import { type BodySettings, composeBody, type EmailAction } from './compose.js'
import { smtpError } from './map-error.js'
import { domainOf, followUpPart, keyPart, newMessageId } from './message-id.js'
import { createPacer } from './pace.js'
import { type EmailOptions, emailDefaults, emailSchema } from './schema.js'
import { renderSubject } from './subject.js'
import { type EmailRef, extendThread, followUpHeaders, readRef, startThread } from './thread-ref.js'
import { smtpTarget } from './transport.js'

export type { EmailRef } from './thread-ref.js'

interface Threading {
  subject: string
  inReplyTo?: string
  references?: string[]
  /** A new session's root mail names the previous session's root (`X-Openline-Previous-Thread`). */
  previous?: string
}

/** What the output saves per Bitrix24 chat: the Message-ID of the chat's first mail and its subject. */
interface ChatThread {
  root: string
  subject: string
}

function readChatThread(ref: unknown): ChatThread | undefined {
  const value = ref as Partial<ChatThread> | null | undefined
  return typeof value?.root === 'string' && typeof value.subject === 'string'
    ? { root: value.root, subject: value.subject }
    : undefined
}

/**
 * Mirrors messages by email over SMTP, one mail thread per Bitrix24 chat (`threads`): every
 * message is a mail in its chat's thread, each edit or deletion a follow-up to it (mail cannot be
 * changed once sent), with text and HTML parts.
 */
export default definePlugin<EmailOptions>({
  type: 'email',
  configSchema: emailSchema,
  create(options, context) {
    const domain = options.domain ?? domainOf(options.from)
    if (domain === undefined) {
      throw new BridgeError(
        ErrorCodes.CONFIG_INVALID,
        `${formatPath(['outputs', context.id, 'from'])} has no domain to build Message-IDs from; set ${formatPath(['outputs', context.id, 'domain'])}`,
        { kind: 'config' },
      )
    }
    const target = smtpTarget(options.smtp)
    const pace = createPacer(
      options.minIntervalMs ?? emailDefaults.minIntervalMs,
      Date.now,
      target.concurrency,
    )
    const template = options.subjectTemplate ?? emailDefaults.subjectTemplate
    const settings: BodySettings = {
      showPrevious: options.showPrevious ?? emailDefaults.showPrevious,
      editMarker: options.editMarker ?? context.policy.editMarker,
      showAuthor: options.showAuthor ?? emailDefaults.showAuthor,
      showEditedBy: options.showEditedBy ?? emailDefaults.showEditedBy,
    }

    const threads = options.threads ?? emailDefaults.threads
    const threadTemplate = options.threadSubjectTemplate ?? emailDefaults.threadSubjectTemplate
    // The same creation retried after a crash gets the same Message-ID, so mail clients show one.
    const idFor = (msg: MirrorMessage) =>
      newMessageId(
        msg,
        domain,
        msg.idempotencyKey ? keyPart(msg.idempotencyKey) : randomBytes(8).toString('hex'),
      )

    /** Sends one mail and returns its Message-ID. */
    const mail = async (
      action: EmailAction,
      msg: MirrorMessage,
      thread: Threading,
      chosenId?: string,
    ): Promise<string> => {
      const body = composeBody(action, msg, settings)
      // A job retried after a crash gets the same Message-ID, so mail clients show one mail: the
      // creation's from its idempotency key, a follow-up's from the job itself.
      const messageId =
        chosenId ??
        newMessageId(
          msg,
          domain,
          msg.idempotencyKey ? keyPart(msg.idempotencyKey) : followUpPart(context.id, action, msg, body.text),
        )
      const info = await pace(async () => {
        try {
          return await target.transporter.sendMail({
            from: options.from,
            to: options.to,
            cc: options.cc ?? [],
            subject: thread.subject,
            messageId,
            ...(thread.inReplyTo === undefined ? {} : { inReplyTo: thread.inReplyTo }),
            ...(thread.references === undefined ? {} : { references: thread.references }),
            text: body.text,
            html: body.html,
            // RFC 3834: tells auto-responders (vacation replies) not to answer the bridge.
            headers: {
              'Auto-Submitted': 'auto-generated',
              'X-Openline-Message': `${msg.portal}/${msg.chatId}/${msg.messageId}`,
              ...(thread.previous === undefined ? {} : { 'X-Openline-Previous-Thread': thread.previous }),
            },
          })
        } catch (err) {
          throw smtpError(err, target.server, target.user)
        }
      })
      if (info.rejected.length > 0) {
        // Some recipients took it; retrying would send the others a duplicate.
        context.logger.warn(
          { rejected: info.rejected, messageId: msg.messageId },
          'SMTP server rejected some recipients; check to and cc',
        )
      }
      context.logger.debug({ action, messageId: msg.messageId, mailId: messageId }, 'email sent')
      return messageId
    }

    const followUp = async (action: EmailAction, thread: EmailRef, msg: MirrorMessage): Promise<EmailRef> => {
      const id = await mail(action, msg, { subject: thread.subject, ...followUpHeaders(thread) })
      return extendThread(thread, id)
    }

    /**
     * One thread per chat: the chat's first mail is the root (its Message-ID, known before it is
     * sent, is saved first, so a retry sends the same root); every later mail of the chat answers
     * the root with the root's subject.
     */
    const sendInChatThread = async (
      action: EmailAction,
      msg: MirrorMessage,
      conversation: ConversationContext,
    ): Promise<EmailRef> => {
      const messageId = idFor(msg)
      let thread = readChatThread(conversation.ref)
      if (thread === undefined) {
        thread = { root: messageId, subject: renderSubject(threadTemplate, msg) }
        await conversation.save(thread)
      }
      if (thread.root === messageId) {
        const previous = readChatThread(conversation.previous)?.root
        const root: Threading = { subject: thread.subject }
        if (previous !== undefined) root.previous = previous
        return startThread(await mail(action, msg, root, messageId), thread.subject)
      }
      const headers = { subject: thread.subject, inReplyTo: thread.root, references: [thread.root] }
      const id = await mail(action, msg, headers, messageId)
      return { messageId: id, references: [thread.root, id], subject: thread.subject }
    }

    return {
      id: context.id,
      capabilities: { edit: true, delete: true },
      async start() {
        try {
          await target.transporter.verify()
        } catch (err) {
          throw smtpError(err, target.server, target.user)
        }
      },
      async send(msg, conversation) {
        const action = msg.kind === 'deleted' ? 'deleted' : 'created'
        if (!threads || conversation === undefined || msg.conversation === undefined) {
          const subject = renderSubject(template, msg)
          return startThread(await mail(action, msg, { subject }), subject)
        }
        return sendInChatThread(action, msg, conversation)
      },
      async update(ref, msg) {
        const thread = readRef(ref)
        if (!thread) {
          throw new OutputError('gone', 'the stored ref names no email thread; the message will be sent anew')
        }
        return followUp(msg.kind === 'deleted' ? 'deleted' : 'edited', thread, msg)
      },
      async delete(ref, msg) {
        const thread = readRef(ref)
        if (!thread) {
          context.logger.warn({ messageId: msg.messageId }, 'no email thread stored; deletion not mailed')
          return
        }
        await followUp('deleted', thread, msg)
      },
      async stop() {
        target.transporter.close()
      },
    }
  },
})
