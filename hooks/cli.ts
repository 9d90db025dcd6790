#!/usr/bin/env node
// The hooks program: one subcommand per Helm hook or check. See docs/ for what each does.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { credentialsCommand } from './commands/credentials.js';
import { daprCheckCommand } from './commands/dapr-check.js';
import { daprStatestoreCommand } from './commands/dapr-statestore.js';
import { kafkaCheckCommand } from './commands/kafka-check.js';
import { kafkaTopicsCommand } from './commands/kafka-topics.js';
import { postgresqlCheckCommand } from './commands/postgresql-check.js';
import { postgresqlServicesRoleCommand } from './commands/postgresql-services-role.js';
import { postgresqlMigrateCommand } from './commands/postgresql-migrate.js';
import { postgresqlSeedCommand } from './commands/postgresql-seed.js';
import { reconcileCommand } from './commands/reconcile.js';
import { ExitCode } from '../common/errors.js';
import { printWarningsButKnownHarmless } from './lib/process-warnings.js';

printWarningsButKnownHarmless();

await yargs(hideBin(process.argv))
  .scriptName('learnflow-hooks')
  .env('LEARNFLOW_HOOKS')
  .command(credentialsCommand)
  .command(kafkaTopicsCommand)
  .command(kafkaCheckCommand)
  .command(postgresqlMigrateCommand)
  .command(postgresqlSeedCommand)
  .command(postgresqlCheckCommand)
  .command(postgresqlServicesRoleCommand)
  .command(daprStatestoreCommand)
  .command(reconcileCommand)
  .command(daprCheckCommand)
  .demandCommand(1, 'name a command')
  .strict()
  .fail((message, error) => {
    process.stderr.write(`learnflow-hooks: ${message ?? error?.message}\nRun with --help for the commands and options.\n`);
    process.exit(ExitCode.invalidInput);
  })
  .help()
  .parseAsync();

// Abandoned attempts (past a deadline) may hold sockets open; the outcome is already decided.
process.exit(process.exitCode ?? ExitCode.ok);
