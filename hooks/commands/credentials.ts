import type { CommandModule, InferredOptionTypes } from 'yargs';
import { reconcileCredentials } from '../kubernetes/credentials.js';
import { kubernetesOptions } from './kubernetes-options.js';
import { commaList, commonOptions } from './options.js';
import { runHook } from './run.js';

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
  'service-namespaces': {
    type: 'string',
    default: '',
    describe: "Namespaces LearnFlow's services run in, comma-separated: each gets a Secret of the same name holding only --service-keys",
    coerce: commaList,
  },
  'service-keys': {
    type: 'string',
    default: '',
    describe: "The keys a service needs, comma-separated, copied from the credentials Secret into each services namespace's",
    coerce: commaList,
  },
  ...kubernetesOptions,
} as const;

export const credentialsCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'credentials',
  describe:
    'Create the credentials Secret with random passwords, once, never changing a value already there; ' +
    "copy a service's keys into each services namespace",
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => reconcileCredentials(args, logger)),
};
