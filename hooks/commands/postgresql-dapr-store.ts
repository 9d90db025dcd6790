import type { CommandModule, InferredOptionTypes } from 'yargs';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { daprStoreProblems, provisionDaprStore, type DaprStoreSpec } from '../postgresql/dapr-store.js';
import { commonOptions, runHook, type CommonArgs } from './options.js';
import { adminIdentity, asPartRole, rolePassword, withDatabase, type PostgresqlAdminArgs } from './postgresql-connection.js';
import { daprStoreOptions, postgresqlAdminOptions, postgresqlOptions, type PostgresqlArgs } from './postgresql-options.js';

const options = { ...commonOptions, ...postgresqlOptions, ...daprStoreOptions, ...postgresqlAdminOptions };

export const postgresqlDaprStoreCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-dapr-store',
  describe: 'Give the Dapr state store its own role and schema (as a superuser), or check the ones made for it; state in public is moved',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => reconcileDaprStore(args, logger)),
};

export interface DaprStoreArgs extends PostgresqlAdminArgs {
  daprStoreUser: string;
  daprStoreSchema: string;
  daprStoreTables: string[];
  daprStorePasswordFile: string;
  daprStorePasswordSecret: string;
}

/**
 * The Dapr store part's work: with a superuser's password, the role, its schema and its tables
 * made as declared; then, either way, the store checked from its own role.
 */
export async function reconcileDaprStore(args: PostgresqlArgs & CommonArgs & DaprStoreArgs, logger: Logger): Promise<void> {
  const spec: DaprStoreSpec = {
    role: args.daprStoreUser,
    schema: args.daprStoreSchema,
    tables: args.daprStoreTables,
    earlierOwner: args.postgresqlUser,
  };
  const store = { user: spec.role, passwordFile: args.daprStorePasswordFile, passwordSecret: args.daprStorePasswordSecret };
  const admin = adminIdentity(args);
  if (admin) {
    const password = await rolePassword(store, "the Dapr store's password");
    const outcome = await withDatabase(
      args,
      logger,
      'making the Dapr store',
      (client) => provisionDaprStore(client, spec, password),
      admin,
    );
    logger.info(
      outcome,
      `role ${spec.role} ${outcome.role}, schema ${spec.schema} ${outcome.schema}` +
        (outcome.moved.length > 0 ? `; moved ${outcome.moved.map((table) => `public.${table}`).join(', ')} there, state and all` : ''),
    );
    if (outcome.leftInPublic.length > 0) {
      logger.warn(
        { leftInPublic: outcome.leftInPublic },
        `public and ${spec.schema} both hold ${outcome.leftInPublic.join(', ')}: the state store uses ${spec.schema}'s; ` +
          "public's are kept, for you to merge or drop (docs/upgrade.md)",
      );
    }
  }
  const madeElsewhere =
    "without the superuser's password (an existing PostgreSQL, or postgresql.auth.enablePostgresUser=false) " +
    `you make role ${spec.role}, its schema and the move of earlier state: docs/dapr.md gives the SQL`;
  const problems = await asPartRole(args, logger, 'checking the Dapr store', store, admin, madeElsewhere, (client) =>
    daprStoreProblems(client, spec),
  );
  if (problems.length > 0) {
    throw new ActionableError(
      `the Dapr state store's place in the database is not as declared: ${problems.join('; ')}`,
      admin ? 'something outside the chart changed it after the hook ran; docs/dapr.md says what the role may do' : madeElsewhere,
      [],
      ExitCode.invalidInput,
    );
  }
  logger.info({ role: spec.role, schema: spec.schema }, `the Dapr store is as declared: role ${spec.role} owns schema ${spec.schema}`);
}
