import type { CommandModule, InferredOptionTypes } from 'yargs';
import { formatStatus } from '../output/report.js';
import { status } from '../flows/status.js';
import { targetOptions } from './options.js';
import { printResult, runCommand } from './run.js';

export const statusCommand: CommandModule<object, InferredOptionTypes<typeof targetOptions>> = {
  command: 'status',
  describe: 'Show the release and its components as the cluster shows them now (runs nothing in the cluster)',
  builder: (yargs) => yargs.options(targetOptions),
  handler: (args) =>
    runCommand(args, async ({ kubectl, helm, progress }) => {
      const report = await status(kubectl, helm, args.release);
      printResult(progress, report, () => formatStatus(report));
      return true;
    }),
};
