import { type FakeMethod, type FakePortalState, FakeRestError } from './fake-portal-methods.js'

/** An open-line chat as the fake portal describes it through `imopenlines.dialog.get`. */
export interface FakeChat {
  chatId: number
  /** Bitrix24 names an open-line chat `<customer> - <line name>`. */
  title: string
  connector: string
  line: number
  /** Current open-line session (the sixth field of `entity_data_1`). */
  sessionId: number
}

/**
 * `imopenlines.dialog.get` by `CHAT_ID`, in the documented reply shape (b24restdocs,
 * api-reference/imopenlines/openlines/sessions/imopenlines-dialog-get.md; fixture
 * test/fixtures/bitrix/rest/imopenlines.dialog.get.ok.json). A chat nobody described but that
 * has messages answers with a guest title; an unknown chat answers 400 ACCESS_ERROR, as documented.
 */
export function chatMethods(chats: Map<number, FakeChat>, state: FakePortalState): Map<string, FakeMethod> {
  const dialogGet: FakeMethod = (params) => {
    const chatId = Number(params.CHAT_ID ?? String(params.DIALOG_ID ?? '').replace(/^chat/, ''))
    const known = [...state.messages.values()].some((m) => m.chatId === chatId)
    const chat =
      chats.get(chatId) ??
      (known
        ? {
            chatId,
            title: `Guest #${chatId} - Open line`,
            connector: 'livechat',
            line: 1,
            sessionId: chatId * 10,
          }
        : undefined)
    if (chat === undefined) {
      throw new FakeRestError(400, 'ACCESS_ERROR', 'You do not have access to the specified dialog')
    }
    const entity = `${chat.connector}|${chat.line}|${chat.chatId + 9000}|${chat.chatId + 500}`
    return {
      id: chat.chatId,
      parent_chat_id: 0,
      name: chat.title,
      description: null,
      type: 'lines',
      entity_type: 'LINES',
      entity_id: entity,
      entity_data_1: `Y|LEAD|1209|N|N|${chat.sessionId}|1714649000|0|0|0`,
      entity_data_2: 'LEAD|1209|COMPANY|0|CONTACT|0|DEAL|0',
      entity_data_3: 'N',
      entity_link: { type: 'LINES', url: '', id: entity },
      message_type: 'L',
      dialog_id: `chat${chat.chatId}`,
    }
  }
  return new Map([['imopenlines.dialog.get', dialogGet]])
}
