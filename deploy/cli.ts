#!/usr/bin/env node
// learnflow-infra: deploys the chart and verifies it, from a workstation or CI, with kubectl and
// helm against the current kube context. See docs/deployment.md.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { downCommand } from './commands/down.js';
import { imagesCommand } from './commands/images.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';
import { verifyCommand } from './commands/verify.js';

await yargs(hideBin(process.argv))
  .scriptName('learnflow-infra')
  .env('LEARNFLOW_INFRA')
  .command(upCommand)
  .command(verifyCommand)
  .command(statusCommand)
  .command(downCommand)
  .command(imagesCommand)
  .demandCommand(1, 'name a command: up, verify, status, down or images')
  .strict()
  .fail((message, error) => {
    if (error) throw error;
    process.stderr.write(`learnflow-infra: ${message}\nRun with --help for the commands and options.\n`);
    process.exit(2);
  })
  .help()
  .parseAsync();
