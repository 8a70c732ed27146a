import type { TestProject } from 'vitest/node'
import { startCluster, stopOnExit } from './cluster.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the run's throwaway Postgres; '' when PG_TESTS=skip. */
    pgAdminUrl: string
  }
}

/**
 * One throwaway PostgreSQL cluster per vitest run; each test file makes its own databases
 * (test/support/postgres/databases.ts). Missing binaries fail the run with what to install,
 * unless PG_TESTS=skip is set explicitly (then every Postgres suite is skipped and says so).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.PG_TESTS === 'skip') {
    console.warn(
      'PG_TESTS=skip: the PostgreSQL suites are SKIPPED in this run (the store is not tested on Postgres)',
    )
    project.provide('pgAdminUrl', '')
    return async () => {}
  }
  const cluster = await startCluster()
  const forget = stopOnExit(cluster)
  project.provide('pgAdminUrl', cluster.adminUrl)
  return async () => {
    forget()
    await cluster.stop()
  }
}
