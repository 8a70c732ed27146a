import { createClient, redactUrl } from '../store/postgres/connection.js'
import { migrate, pendingMigrations, schemaVersion } from '../store/postgres/schema.js'
import type { CliIo } from './bind-command.js'
import { loadCliConfig } from './load.js'

export interface MigrateOptions {
  config?: string
  /** Apply the steps (otherwise only print them). */
  apply?: boolean
  /** Print each step's SQL too. */
  sql?: boolean
}

/**
 * `openline-bridge migrate`: prints the schema steps the configured Postgres database still needs,
 * and with `--apply` applies them (under the same advisory lock as a starting instance). A
 * starting instance applies them by itself; running this first lets a rolling deploy see them.
 */
export async function migrateCommand(options: MigrateOptions, io: CliIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout
  const { config } = await loadCliConfig(options.config, io.env, io.cwd)
  if (config.storage.driver !== 'postgres') {
    stdout.write(
      'storage.driver is sqlite: the SQLite store brings its file up to date itself when it opens; nothing to do\n',
    )
    return
  }
  const url = config.storage.url ?? ''
  const where = redactUrl(url)
  const client = createClient({ url, applicationName: 'openline-bridge migrate' })
  await client.connect()
  try {
    const { current, steps } = await pendingMigrations(client, where)
    stdout.write(`${where}: schema version ${current}, this openline-bridge needs ${schemaVersion}\n`)
    if (steps.length === 0) {
      stdout.write('nothing to apply\n')
      return
    }
    stdout.write(`${options.apply ? 'applying' : 'would apply'} ${steps.length} step(s):\n`)
    for (const step of steps) {
      stdout.write(`  ${step.version}: ${step.name}\n`)
      if (options.sql) stdout.write(`${step.sql.replace(/^\n+|\s+$/g, '')}\n`)
    }
    if (!options.apply) {
      stdout.write('run with --apply to apply them now (a starting instance applies them too)\n')
      return
    }
    const applied = await migrate(client, where)
    stdout.write(
      applied.length === 0
        ? 'another instance applied them meanwhile; nothing left\n'
        : `applied: ${applied.join(', ')}\n`,
    )
  } finally {
    await client.end()
  }
}
