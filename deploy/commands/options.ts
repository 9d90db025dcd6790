import type { Options } from 'yargs';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { Helm } from '../tools/helm.js';
import { Kubectl } from '../tools/kubectl.js';
import { chartRoot } from '../paths.js';
import { outputMode, Progress } from '../output/progress.js';

// Every option can also come from the environment as LEARNFLOW_INFRA_<OPTION>
// (LEARNFLOW_INFRA_NAMESPACE); the prefix is the command's own, as strict mode requires.

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

export interface Session {
  kubectl: Kubectl;
  helm: Helm;
  progress: Progress;
}

function printError(progress: Progress, error: unknown): void {
  progress.stop();
  if (!(error instanceof ActionableError)) throw error;
  if (progress.mode === 'json') {
    process.stdout.write(`${JSON.stringify({ event: 'error', message: error.message, fix: error.fix, details: error.details })}\n`);
  } else {
    process.stderr.write(`\nerror: ${error.message}\n  fix: ${error.fix}\n${error.details.map((line) => `  | ${line}\n`).join('')}`);
  }
}

/**
 * Runs a command: an ActionableError becomes its message, its fix and its exit code; a command that
 * returns false (a failed verification) exits ExitCode.failed; anything else is a bug and shows in full.
 */
export async function runCommand(args: TargetArgs, work: (session: Session) => Promise<boolean>): Promise<void> {
  const target = { context: args.kubeContext, namespace: args.namespace };
  const progress = new Progress(outputMode(args.json ? 'json' : args.output, process.stdout, process.env));
  try {
    const ok = await work({ kubectl: new Kubectl(target), helm: new Helm(target), progress });
    progress.stop();
    process.exitCode = ok ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    printError(progress, error);
    process.exitCode = error instanceof ActionableError ? error.exitCode : ExitCode.failed;
  }
}

/** Prints a result: a JSON line, or the text the command formats. */
export function printResult(progress: Progress, result: object, text: () => string): void {
  progress.stop();
  process.stdout.write(progress.mode === 'json' ? `${JSON.stringify({ event: 'result', ...result })}\n` : `${text()}\n`);
}
