// Public package entry (`openline-bridge`): the same as `openline-bridge/plugin`, the SDK for output
// plugins. Kept so plugins written against the bare package name keep working.
export * from './plugin.js'
