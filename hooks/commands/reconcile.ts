import type { CommandModule, InferredOptionTypes, Options } from 'yargs';
import { reconcileStatestore } from '../dapr/statestore.js';
import { reconcileKafkaTopics } from '../kafka/topics.js';
import { migrateDatabase } from '../postgresql/migrate.js';
import { seedDatabase } from '../postgresql/seed.js';
import { reconcileServicesRole } from '../postgresql/services-role.js';
import { statestoreOptions } from './dapr-options.js';
import { kafkaAclOptions, kafkaOptions, topicStateOptions } from './kafka-options.js';
import { kubernetesOptions } from './kubernetes-options.js';
import { commonOptions, requireOptions, undemanded } from './options.js';
import {
  migrationsOptions,
  postgresqlAdminOptions,
  postgresqlOptions,
  postgresqlSeedOptions,
  servicesRoleOptions,
} from './postgresql-options.js';
import { runHookChains, type HookPart } from './run.js';

/** The parts, in the order the PostgreSQL ones run (the seeds need the schema). */
export const reconcileParts = [
  'kafka-topics',
  'postgresql-migrate',
  'postgresql-seed',
  'postgresql-services-role',
  'dapr-statestore',
] as const;
type ReconcilePart = (typeof reconcileParts)[number];

const options = {
  ...commonOptions,
  ...undemanded(kafkaOptions),
  ...topicStateOptions,
  ...kafkaAclOptions,
  ...kubernetesOptions,
  ...undemanded(postgresqlOptions),
  ...migrationsOptions,
  ...postgresqlSeedOptions,
  ...undemanded(servicesRoleOptions),
  ...undemanded(statestoreOptions),
  ...postgresqlAdminOptions,
} as const satisfies Record<string, Options>;

type Args = InferredOptionTypes<typeof options> & { parts: ReconcilePart[] };

// One Pod for the post-install and post-upgrade work instead of one per part: Helm runs hook
// Jobs one after another, and each Job's Pod start costs more than a no-op part's own run.
export const reconcileCommand: CommandModule<object, Args> = {
  command: 'reconcile <parts..>',
  describe: "Run the topic, migration, seed, services' role and Dapr state store parts in one process: Kafka and PostgreSQL side by side",
  builder: (yargs) =>
    yargs.positional('parts', { choices: reconcileParts, array: true, demandOption: true, describe: 'The parts to run' }).options(options),
  handler: (args) => {
    const postgres = ['postgresqlHost', 'postgresqlPasswordFile'] as const;
    const work: Record<ReconcilePart, HookPart[1]> = {
      'kafka-topics': (logger) =>
        reconcileKafkaTopics({ ...requireOptions(args, 'kafka-topics', ['kafkaBrokers', 'topicsFile']), dryRun: false }, logger),
      'postgresql-migrate': (logger) => migrateDatabase(requireOptions(args, 'postgresql-migrate', postgres), logger),
      'postgresql-seed': (logger) => seedDatabase(requireOptions(args, 'postgresql-seed', postgres), logger),
      'postgresql-services-role': (logger) =>
        reconcileServicesRole(requireOptions(args, 'postgresql-services-role', [...postgres, 'servicesPasswordFile']), logger),
      'dapr-statestore': (logger) =>
        reconcileStatestore(requireOptions(args, 'dapr-statestore', [...postgres, 'statestorePasswordFile']), logger),
    };
    const chain = (parts: readonly ReconcilePart[]): HookPart[] =>
      parts.filter((part) => args.parts.includes(part)).map((part) => [part, work[part]]);
    // The services' role is granted the tables the migrations make. The Dapr state store depends on
    // neither the schema nor the seeds: a failure of one leaves the other to run.
    return runHookChains(args, [
      chain(['kafka-topics']),
      chain(['postgresql-migrate', 'postgresql-seed', 'postgresql-services-role']),
      chain(['dapr-statestore']),
    ]);
  },
};
