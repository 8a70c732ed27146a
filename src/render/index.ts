export type {
  AttachNode,
  BbNode,
  ChatLinkNode,
  CodeNode,
  ColorNode,
  CommandNode,
  ContextNode,
  DiskNode,
  IconNode,
  LineBreakNode,
  LinkNode,
  MentionNode,
  QuoteNode,
  SizeNode,
  StyleNode,
  TextNode,
  TimestampNode,
} from './ast.js'
export { MAX_NESTING } from './build-inline.js'
export { parseBbCode } from './parse-bbcode.js'
export { escapeHtml, escapeLines, formatHtml, isSafeUrl } from './render-html.js'
export { formatTimestamp, renderPlain } from './render-plain.js'
export { stripOperatorSignature } from './strip-signature.js'
