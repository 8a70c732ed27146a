import type { MirrorConversation } from '../model.js'

/** Display names of the Bitrix24 open-line connectors people see most; others show their id. */
const connectorNames: Readonly<Record<string, string>> = {
  telegrambot: 'Telegram',
  livechat: 'Live chat',
  whatsappbytwilio: 'WhatsApp',
  whatsappbyedna: 'WhatsApp',
  wz_whatsapp: 'WhatsApp',
  viber: 'Viber',
  facebook: 'Facebook',
  facebookcomments: 'Facebook comments',
  fbinstagramdirect: 'Instagram',
  instagram: 'Instagram',
  vkgroup: 'VK',
  imessage: 'Apple Messages',
  avito: 'Avito',
  olx: 'OLX',
  wechat: 'WeChat',
  network: 'Bitrix24.Network',
  notifications: 'SMS',
  email: 'Email',
}

/** `telegrambot` → `Telegram`; an unknown connector keeps its id. */
export function connectorName(connector: string): string {
  return connectorNames[connector] ?? connector
}

/**
 * One line that says where and who: `Telegram · Line 128 · Ivan Petrov` (the chat title when the
 * customer's name is unknown). Outputs use it as thread header, topic name and mail subject.
 */
export function conversationHeader(conversation: MirrorConversation): string {
  const who = conversation.customerName ?? conversation.title
  return `${connectorName(conversation.connector)} · Line ${conversation.line} · ${who}`
}
