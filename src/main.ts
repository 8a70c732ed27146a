#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { bindCommand } from './cli/bind-command.js'
import { checkConfigCommand } from './cli/check-config-command.js'
import { deliveriesCommand } from './cli/deliveries-command.js'
import { type MigrateOptions, migrateCommand } from './cli/migrate-command.js'
import { type MigrateStoreOptions, migrateStoreCommand } from './cli/migrate-store-command.js'
import { readEnvFile } from './cli/read-env-file.js'
import { type ReplayOptions, replayCommand } from './cli/replay-command.js'
import { reportFatal } from './cli/report-error.js'
import { type SendTestOptions, sendTestCommand } from './cli/send-test-command.js'
import { startCommand } from './cli/start-command.js'
import { runDemo } from './demo/run-demo.js'
import { tuneHeap } from './runtime/tune-heap.js'

/** The version in package.json (the CLI runs from src/ under tsx or from dist/src/ when built). */
function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string
        version?: string
      }
      if (pkg.name === 'openline-bridge' && pkg.version) return pkg.version
    } catch {}
  }
  return 'unknown'
}

const program = new Command()
  .name('openline-bridge')
  .description('Mirror Bitrix24 open-line messages and their edits to Slack, Telegram, email and more')
  .version(packageVersion())
  .showHelpAfterError()
  // Usage errors (unknown option, bad value) exit 2 like config errors, not 1; subcommands inherit it.
  .exitOverride()
  .hook('preAction', (_program, command) => {
    // --env-file: the same KEY=value file systemd's EnvironmentFile= reads; variables already set win.
    const file = command.opts<{ envFile?: string }>().envFile
    if (file !== undefined) {
      for (const [name, value] of Object.entries(readEnvFile(file))) process.env[name] ??= value
    }
    // Before the bridge allocates anything: how far the heap may grow between full GCs.
    tuneHeap()
  })

/** `-n 20`: a whole number of at least 1, else a usage error naming the option. */
function count(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number ≥ 1.')
  return Number(value)
}

const configOption = [
  '-c, --config <file>',
  'config file (YAML or JSON); default $BRIDGE_CONFIG or config/bridge.yaml',
] as const
const envFileOption = [
  '--env-file <file>',
  "read ${VAR}s from this KEY=value file (systemd's EnvironmentFile); variables already set win",
] as const

program
  .command('start')
  .description('run the bridge: receive events, read messages, update mirrors')
  .option(...configOption)
  .option(...envFileOption)
  .action((opts: { config?: string }) => startCommand(opts))

program
  .command('check-config')
  .description("validate the config file, print a summary, and run each output's credential check")
  .option(...configOption)
  .option(...envFileOption)
  .option('--offline', 'only validate the file: no network calls to outputs')
  .action((opts: { config?: string; offline?: boolean }) => checkConfigCommand(opts))

for (const unbind of [false, true]) {
  program
    .command(unbind ? 'unbind' : 'bind')
    .description(
      unbind
        ? "remove the app's event subscriptions that bind made"
        : 'subscribe the installed app to the events the config needs (event.bind), skipping those already bound',
    )
    .requiredOption('-p, --portal <portal>', 'portal domain or member_id')
    .requiredOption(
      '-u, --url <url>',
      'public handler URL of the bridge, e.g. https://bridge.example.com/bitrix/events',
    )
    .option(...configOption)
    .option(...envFileOption)
    .action((opts: { portal: string; url: string; config?: string }) => bindCommand({ ...opts, unbind }))
}

program
  .command('deliveries')
  .description('portals (and which need a re-install), queues and the most recent deliveries')
  .option(...configOption)
  .option(...envFileOption)
  .option('-n, --limit <n>', 'entries to show', count, 20)
  .option('--portal <portal>', 'only this portal (its domain or member_id)')
  .addOption(
    new Option('--status <status>', 'only entries with this status').choices([
      'delivered',
      'skipped',
      'failed',
      'dead',
      'ignored',
    ]),
  )
  .action((opts: { config?: string; limit: number; portal?: string; status?: 'delivered' }) =>
    deliveriesCommand(opts),
  )

program
  .command('replay')
  .description('move dead letters back to their queue (attempts reset), with progress')
  .option(...configOption)
  .option(...envFileOption)
  .addOption(new Option('--queue <queue>', 'only this queue').choices(['fetch', 'deliver']))
  .option('--output <id>', 'only deliveries to this output')
  .option('--portal <portal>', 'only this portal (its domain or member_id)')
  .option('--reason <text>', 'only dead letters whose reason contains this text')
  .option('--dry-run', 'list what would be replayed, change nothing')
  .action((opts: ReplayOptions) => replayCommand(opts))

program
  .command('send-test')
  .description(
    'send a test message through one output, edit it and delete it, printing each step and its ref: checks credentials and rights',
  )
  .requiredOption('-o, --output <id>', 'the output to test, as named under outputs in the config')
  .option('--text <bbcode>', 'the message text (BB-code allowed)')
  .option(...configOption)
  .option(...envFileOption)
  .action((opts: SendTestOptions) => sendTestCommand(opts))

program
  .command('migrate')
  .description('print the schema steps the Postgres store still needs (--apply applies them)')
  .option(...configOption)
  .option(...envFileOption)
  .option('--apply', 'apply them now (a starting instance also applies them)')
  .option('--sql', 'print the SQL of each step')
  .action((opts: MigrateOptions) => migrateCommand(opts))

program
  .command('migrate-store')
  .description('copy portals, mirror map, pending jobs and dead letters from SQLite into an empty Postgres')
  .requiredOption('--from <store>', 'sqlite:<path of the bridge database>')
  .requiredOption('--to <store>', 'postgres:<connection URL>')
  .action((opts: MigrateStoreOptions) => migrateStoreCommand(opts))

program
  .command('demo')
  .description('the whole flow against a simulated portal on loopback, printed to the console')
  .option('-c, --config <file>', 'demo config', 'config/demo.yaml')
  .action(async (opts: { config: string }) => {
    process.exitCode = await runDemo(opts)
  })

program.parseAsync(process.argv).catch((err: unknown) => {
  // Commander has printed its own message (and the help) already; help and --version exit 0.
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2
  else process.exitCode = reportFatal(err)
})
