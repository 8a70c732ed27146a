import { type FakeMethod, type FakePortalState, FakeRestError } from './fake-portal-methods.js'

// The `disk` scope's public links. Sources: REST docs (b24restdocs
// api-reference/disk/file/disk-file-get-external-link.md) and the server code
// (Bitrix\Disk\Rest\Service\BaseObject::getExternalLink and getFileById, Bitrix\Rest\AccessException,
// RestException's default status 400). Fixtures: test/fixtures/bitrix/rest/disk.file.getExternalLink.*.

/** Bitrix24 short links look like `https://<portal>/~4Pie9`; the fake derives one from the id. */
function shortCode(id: number): string {
  return (id * 7919 + 104_729).toString(36)
}

/**
 * `disk.file.getExternalLink {id}` → `result`: the public link (URL string). The portal returns the
 * same link for the same user and file while it has not expired, and creates one otherwise: the
 * fake records each file it made public in `links`.
 */
export function diskMethods(state: FakePortalState, links: Map<number, string>): Map<string, FakeMethod> {
  const getExternalLink: FakeMethod = (params) => {
    const raw = params.id ?? params.ID
    const id = Number(raw)
    if (raw === undefined || raw === '' || !Number.isInteger(id)) {
      throw new FakeRestError(400, 'ERROR_ARGUMENT', 'Invalid value of parameter { id }.')
    }
    const message = [...state.messages.values()].find((m) => (m.files ?? []).some((f) => f.id === id))
    if (message === undefined) {
      throw new FakeRestError(400, 'ERROR_NOT_FOUND', `Could not find entity with id '${id}'.`)
    }
    // The chat's files live in the chat's Disk folder: members may read them, others may not.
    if (state.nonMemberChats.has(message.chatId)) {
      throw new FakeRestError(403, 'ACCESS_DENIED', 'Access denied!')
    }
    const link = links.get(id) ?? `${state.origin}/~${shortCode(id)}`
    links.set(id, link)
    return link
  }
  return new Map([['disk.file.getExternalLink', getExternalLink]])
}
