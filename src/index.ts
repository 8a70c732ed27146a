// Public package entry (`openline-bridge`): what a custom output plugin needs to type-check.

export type { EventKind, MirrorAuthor, MirrorFile, MirrorMessage } from './model.js'
export type {
  ExternalRef,
  OutputCapabilities,
  OutputErrorReason,
  OutputPlugin,
  OutputPolicy,
  PluginContext,
  PluginDefinition,
} from './plugins/api.js'
export { definePlugin, isOutputError, OutputError } from './plugins/api.js'
// Every AST node type, so a plugin's formatter can name the nodes it handles.
export type * from './render/ast.js'
