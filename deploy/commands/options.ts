import type { Options } from 'yargs';
import { chartRoot } from '../paths.js';

// Every option can also come from the environment as LEARNFLOW_INFRA_<OPTION>
// (LEARNFLOW_INFRA_NAMESPACE); the prefix is the command's own, as strict mode requires. How a
// command's outcome becomes its output and exit code is run.ts.

/** Options every command takes: which release, where, and how to report. */
export const targetOptions = {
  release: { type: 'string', default: 'learnflow', describe: 'Helm release name' },
  namespace: { alias: 'n', type: 'string', default: 'learnflow', describe: 'Namespace of the release' },
  'kube-context': { type: 'string', describe: 'kubeconfig context (default: the current one)' },
  output: {
    choices: ['auto', 'plain', 'json'] as const,
    default: 'auto' as 'auto' | 'plain' | 'json',
    describe: 'auto: live progress on a terminal, plain lines elsewhere; json: one JSON object per line',
  },
  json: { type: 'boolean', default: false, describe: 'Same as --output json' },
} as const satisfies Record<string, Options>;

/** Options that choose what is rendered: the chart, its values, and the hooks image. */
export const chartOptions = {
  chart: { type: 'string', default: chartRoot, describe: 'Chart directory (default: this package)' },
  values: {
    alias: 'f',
    type: 'string',
    array: true,
    default: [] as string[],
    describe: 'Values files, as helm -f (e.g. profiles/production.yaml)',
  },
  set: { type: 'string', array: true, default: [] as string[], describe: 'Values, as helm --set' },
  image: {
    type: 'string',
    describe:
      'Hooks image in a registry the cluster pulls from (default: build it and load it into the local kind, k3d or minikube cluster)',
  },
} as const satisfies Record<string, Options>;

/** -f files and --set values as Helm takes them. */
export function valueArgs(args: { values: string[]; set: string[] }): string[] {
  return [...args.values.flatMap((file) => ['--values', file]), ...args.set.flatMap((value) => ['--set', value])];
}

export interface TargetArgs {
  release: string;
  namespace: string;
  kubeContext?: string | undefined;
  output: 'auto' | 'plain' | 'json';
  json: boolean;
}
