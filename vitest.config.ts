import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability suite (crashes, fuzzing, storms) runs on its own: npm run test:reliability.
    exclude: ['test/reliability/**', '**/node_modules/**'],
    // A hang guard, not a timing bound: CLI tests spawn node processes, slow on a loaded 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One throwaway PostgreSQL cluster per run (PG_TESTS=skip skips the Postgres suites, and says so).
    globalSetup: ['test/support/postgres/global-setup.ts'],
  },
})
