/** Stand-ins for the built-in plugins' option schemas, as the registry would resolve them. */
export const pluginSchemas: Record<string, object> = {
  console: {
    type: 'object',
    properties: { format: { enum: ['text', 'json'] }, stream: { enum: ['stdout', 'stderr'] } },
    additionalProperties: false,
  },
  webhook: {
    type: 'object',
    properties: { url: { type: 'string' }, timeoutMs: { type: 'integer', default: 5000 } },
    required: ['url'],
    additionalProperties: false,
  },
}

export const knownOutputTypes = ['console', 'webhook']

export function resolvePluginSchema(type: string): object | undefined {
  return pluginSchemas[type]
}
