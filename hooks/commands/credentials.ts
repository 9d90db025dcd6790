import type { CommandModule, InferredOptionTypes } from 'yargs';
import { retryUntil } from '../lib/retry.js';
import { ensureCredentials, type EnsureResult } from '../kubernetes/credentials.js';
import { classifyKubernetesFailure } from '../kubernetes/failures.js';
import { connectKubernetes } from './kubernetes-connection.js';
import { kubernetesOptions } from './kubernetes-options.js';
import { commaList, commonOptions, retryOptions, runHook } from './options.js';

const options = {
  ...commonOptions,
  'secret-name': { type: 'string', demandOption: true, describe: 'The credentials Secret to create, or complete' },
  keys: {
    type: 'string',
    demandOption: true,
    describe: 'Keys the Secret must hold, comma-separated; each missing one gets a random password',
    coerce: commaList,
  },
  release: {
    type: 'string',
    demandOption: true,
    describe: 'The Helm release the Secret belongs to (its app.kubernetes.io/instance label, which the deploy command finds it by)',
  },
  ...kubernetesOptions,
} as const;

export const credentialsCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'credentials',
  describe: 'Create the credentials Secret with random passwords, once; never change a value already there',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const { client, namespace } = await connectKubernetes(args);
      const what = `setting up Secret ${namespace}/${args.secretName}`;
      const result = await retryUntil(
        () => ensureCredentials(client, { namespace, name: args.secretName, release: args.release }, args.keys),
        retryOptions(what, args, logger, classifyKubernetesFailure),
      );
      logger.info(
        { secret: args.secretName, created: result.created, added: result.added, labelled: result.labelled },
        result.created
          ? `created Secret ${args.secretName} with ${args.keys.length} random password(s)`
          : `Secret ${args.secretName} exists; ${describeChange(result)}`,
      );
    }),
};

function describeChange(result: EnsureResult): string {
  const changes = [
    ...(result.added.length > 0 ? [`added ${result.added.join(', ')}`] : []),
    ...(result.labelled ? ['added its labels'] : []),
  ];
  return changes.length === 0 ? 'nothing changed' : changes.join('; ');
}
