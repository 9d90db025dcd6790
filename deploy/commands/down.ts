import { createInterface } from 'node:readline/promises';
import type { CommandModule, InferredOptionTypes, Options } from 'yargs';
import { ActionableError } from '../../common/errors.js';
import { down } from '../flows/down.js';
import { formatDown } from '../output/report.js';
import { targetOptions } from './options.js';
import { printResult, runCommand } from './run.js';

const options = {
  ...targetOptions,
  'delete-data': {
    type: 'boolean',
    default: false,
    describe: 'Also delete the volumes and the credentials Secret the hooks created (asks first)',
  },
  yes: { type: 'boolean', default: false, describe: 'Do not ask before deleting data' },
} as const satisfies Record<string, Options>;

/** Deleting data needs --yes, or the release's name typed back on a terminal. */
async function confirmed(release: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new ActionableError(
      'deleting data needs confirmation, and there is no terminal to ask on',
      'pass --yes to delete the volumes and the credentials Secret, or leave out --delete-data to keep them',
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(
    `This deletes the volumes (all data) and the credentials Secret of ${release}. Type the release name to go on: `,
  );
  prompt.close();
  return answer.trim() === release;
}

export const downCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'down',
  describe: 'Uninstall the release; its volumes and credentials Secret are kept unless --delete-data',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runCommand(args, async ({ kubectl, helm, progress }) => {
      if (args.deleteData && !args.yes && !(await confirmed(args.release)))
        throw new ActionableError('not confirmed: nothing was changed', 'type the release name exactly, or leave out --delete-data');
      progress.phase('down');
      const report = await down(kubectl, helm, args.release, args.deleteData);
      printResult(progress, report, () => formatDown(report));
      return true;
    }),
};
