import type { CommandModule, InferredOptionTypes, Options } from 'yargs';
import { componentNames } from '../release/components.js';
import { formatVerify } from '../output/report.js';
import { verify } from '../flows/verify.js';
import { targetOptions } from './options.js';
import { printResult, runCommand } from './run.js';

const options = {
  ...targetOptions,
  component: {
    choices: [...componentNames, 'all'] as const,
    default: 'all' as (typeof componentNames)[number] | 'all',
    describe: 'Which component to check',
  },
  'timeout-seconds': { type: 'number', default: 600, describe: 'How long each in-cluster check may take' },
} as const satisfies Record<string, Options>;

export const verifyCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'verify [component]',
  describe:
    "Check the components: workloads ready, volumes bound, the Dapr control plane healthy, and the chart's tests from inside the cluster",
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runCommand(args, async ({ kubectl, helm, progress }) => {
      progress.phase('verify');
      const report = await verify(
        kubectl,
        helm,
        args.release,
        args.component === 'all' ? componentNames : [args.component],
        progress,
        args.timeoutSeconds,
      );
      printResult(progress, report, () => formatVerify(report));
      return report.ok;
    }),
};
