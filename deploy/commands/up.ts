import type { CommandModule, InferredOptionTypes, Options } from 'yargs';
import { formatTimings, formatVerify } from '../output/report.js';
import { up } from '../flows/up.js';
import { parseImageReference } from '../tools/image.js';
import { chartOptions, targetOptions, valueArgs } from './options.js';
import { printResult, runCommand } from './run.js';

const options = {
  ...targetOptions,
  ...chartOptions,
  'create-kind-cluster': {
    type: 'string',
    describe: 'First create a local kind cluster of this name (reused if it exists) and deploy there',
  },
  'stall-seconds': {
    type: 'number',
    default: 180,
    describe: 'How long a Pod may stay unschedulable or unable to pull its image before up stops and explains',
  },
  'poll-seconds': { type: 'number', default: 2, describe: 'How often the cluster is looked at while waiting' },
  'skip-capacity-check': {
    type: 'boolean',
    default: false,
    describe: "Do not compare the release's requests with the free capacity (for clusters that add nodes on demand)",
  },
} as const satisfies Record<string, Options>;

export const upCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'up',
  describe: 'Check prerequisites, prepare the hooks image, install or upgrade the release, wait for it, and verify it',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runCommand(args, async ({ progress }) => {
      const report = await up(
        {
          release: args.release,
          namespace: args.namespace,
          context: args.kubeContext,
          chart: args.chart,
          valueArgs: valueArgs(args),
          image: args.image ? parseImageReference(args.image) : undefined,
          createKindCluster: args.createKindCluster,
          stallSeconds: args.stallSeconds,
          pollSeconds: args.pollSeconds,
          skipCapacityCheck: args.skipCapacityCheck,
        },
        progress,
      );
      printResult(progress, report, () =>
        [formatTimings(report.timings), '', formatVerify(report.verification), '', report.notes.trim()].join('\n'),
      );
      return report.ok;
    }),
};
