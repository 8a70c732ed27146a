// `openline-bridge/plugin`: the SDK for output plugins. Everything a plugin in its own folder or
// package needs, and nothing that starts the bridge (no store, no server, no native modules), so
// `import { definePlugin } from 'openline-bridge/plugin'` is cheap and type-checks on its own.

export type { EventKind, MirrorAuthor, MirrorConversation, MirrorFile, MirrorMessage } from './model.js'
export type {
  ConversationContext,
  ExternalRef,
  OutputCapabilities,
  OutputErrorReason,
  OutputPlugin,
  OutputPolicy,
  OutputState,
  PluginContext,
  PluginDefinition,
} from './plugins/api.js'
export { definePlugin, isOutputError, memoryState, OutputError } from './plugins/api.js'
// The one-line header of a chat's thread (`Telegram · Line 128 · Ivan Petrov`).
export { connectorName, conversationHeader } from './plugins/conversation-header.js'
// Every AST node type, so a plugin's formatter can name the nodes it handles.
export type * from './render/ast.js'
// Render helpers: the AST as plain text, simple HTML or CommonMark, every text escaped.
export { escapeHtml, formatHtml, isSafeUrl } from './render/render-html.js'
export { escapeMarkdown, formatMarkdown } from './render/render-markdown.js'
export { formatTimestamp, renderPlain } from './render/render-plain.js'
