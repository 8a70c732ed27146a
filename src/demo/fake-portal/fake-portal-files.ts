import type { FakeFile, FakeMessage, FakePortalState } from './fake-portal-methods.js'

// Files as the im module describes them: REST docs (b24restdocs
// api-reference/chats/messages/im-dialog-messages-get.md, `files`) and the server code
// (CIMDisk::GetFileParams, GetPublicPath; Bitrix\Im\Common::toJson makes the URLs absolute).
// Fixture: test/fixtures/bitrix/rest/im.dialog.messages.get.with-files.json.

/** `files[]` entry of `im.dialog.messages.get` / line history, in the real shape. */
export function fileJson(state: FakePortalState, message: FakeMessage, file: FakeFile) {
  const { origin } = state
  const image = /\.(png|jpe?g|gif|webp)$/i.test(file.name)
  const uploading = file.uploading === true
  // GetPublicPath: no URLs until the upload finished; the REST layer makes them absolute.
  const url = (action: string) =>
    uploading
      ? ''
      : `${origin}/bitrix/services/main/ajax.php?action=${action}&SITE_ID=s1&humanRE=1&fileId=${file.id}&fileName=${encodeURIComponent(file.name)}`
  const dot = file.name.lastIndexOf('.')
  return {
    id: file.id,
    chatId: message.chatId,
    date: '2024-05-02T14:40:00+03:00',
    type: image ? 'image' : 'file',
    name: file.name,
    extension: dot > 0 ? file.name.slice(dot + 1).toLowerCase() : '',
    size: uploading ? 0 : (file.size ?? 1024),
    image: image ? { width: 1600, height: 1200 } : false,
    status: uploading ? 'upload' : 'done',
    progress: uploading ? -1 : 100,
    authorId: message.authorId,
    authorName: state.users.get(message.authorId)?.name ?? '',
    urlPreview: image ? url('disk.api.file.showImage') : '',
    urlShow: url(image ? 'disk.api.file.showImage' : 'disk.api.file.download'),
    urlDownload: url('disk.api.file.download'),
    viewerAttrs: null,
  }
}
