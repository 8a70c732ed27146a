import type { FastifyInstance } from 'fastify'
import { ErrorCodes } from '../errors.js'

/**
 * Unknown paths answer in the same `{error, code}` shape as every other refusal. The path asked for
 * is not echoed (it is caller-chosen); the answer names where events go instead.
 */
export function registerNotFound(server: FastifyInstance, eventPath: string): void {
  server.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({
      error: `no such path on this server; Bitrix24 events are posted to ${eventPath}`,
      code: ErrorCodes.NOT_FOUND,
    }),
  )
}
