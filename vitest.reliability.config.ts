import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Scenarios start servers and child processes: one file at a time keeps figures readable.
    fileParallelism: false,
    // Memory figures are taken after a forced collection, so they measure what is kept, not garbage.
    execArgv: ['--expose-gc'],
  },
})
