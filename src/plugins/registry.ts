// The output-plugin registry: what a config `type` names, and the instances built from `outputs`.
export { createOutputs, type OutputDeps } from './create-outputs.js'
export { builtinPlugins, resolvePlugin } from './resolve-plugin.js'
export { type NotReadyOutput, type OutputReadiness, startOutputs } from './start-outputs.js'
export { validateOptions } from './validate-options.js'
