import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One throwaway PostgreSQL cluster per run (PG_TESTS=skip skips the Postgres suites, and says so).
    globalSetup: ['test/support/postgres/global-setup.ts'],
    // Scenarios start servers and child processes: one file at a time keeps figures readable.
    fileParallelism: false,
    // Memory figures are taken after a forced collection, so they measure what is kept, not garbage.
    execArgv: ['--expose-gc'],
  },
})
