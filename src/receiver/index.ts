export { createEventReceiver, type EventReceiver, type EventReceiverDeps } from './create-event-receiver.js'
export { type ErrorBody, toErrorAnswer } from './error-answer.js'
export type { EventHandler, EventHandlerMap, HandlerContext, ReceiverAnswer } from './event-handlers.js'
export { type EventAuth, type EventEnvelope, readEnvelope } from './event-schema.js'
export { type NormalizedDelivery, normalizeEvent, normalizeItems } from './normalize-event.js'
export { createFormParser, type FormLimits } from './parse-form.js'
export {
  type ReceiverConfig,
  type ReceiverDeps,
  receiverPlugin,
  registerReceiver,
} from './receiver-plugin.js'
export { type TokenCheck, tokensEqual, verifyToken } from './verify-token.js'
