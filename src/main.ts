#!/usr/bin/env node
import { Command } from 'commander'
import { checkConfigCommand } from './cli/check-config-command.js'
import { reportFatal } from './cli/report-error.js'
import { startCommand } from './cli/start-command.js'
import { runDemo } from './demo/run-demo.js'

const program = new Command()
  .name('openline-bridge')
  .description('Mirror Bitrix24 open-line messages and their edits to Slack, Telegram, email and more')
  .showHelpAfterError()

const configOption = [
  '-c, --config <file>',
  'config file (YAML or JSON); default $BRIDGE_CONFIG or config/bridge.yaml',
] as const

program
  .command('start')
  .description('run the bridge: receive events, read messages, update mirrors')
  .option(...configOption)
  .action((opts: { config?: string }) => startCommand(opts))

program
  .command('check-config')
  .description('validate the config file and print a summary')
  .option(...configOption)
  .action((opts: { config?: string }) => checkConfigCommand(opts))

program
  .command('demo')
  .description('the whole flow against a simulated portal on loopback, printed to the console')
  .option('-c, --config <file>', 'demo config', 'config/demo.yaml')
  .action(async (opts: { config: string }) => {
    process.exitCode = await runDemo(opts)
  })

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = reportFatal(err)
})
