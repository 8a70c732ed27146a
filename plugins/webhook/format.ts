// AST → the optional `html` field. The renderer is shared with the email output (src/render).
export { escapeHtml, formatHtml } from '../../src/render/render-html.js'
