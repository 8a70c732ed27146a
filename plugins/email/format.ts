// AST → the HTML part of a mail. The renderer is shared with the webhook output (src/render).
export { escapeHtml, escapeLines, formatHtml, isSafeUrl } from '../../src/render/render-html.js'
