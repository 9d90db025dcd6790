import type { CommandModule, InferredOptionTypes } from 'yargs';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { grantServicesRole, provisionServicesRole, servicesRoleProblems, type ServicesRoleSpec } from '../postgresql/services-role.js';
import { commonOptions, runHook, type CommonArgs } from './options.js';
import { adminIdentity, asPartRole, rolePassword, withDatabase, type PostgresqlAdminArgs } from './postgresql-connection.js';
import { postgresqlAdminOptions, postgresqlOptions, servicesRoleOptions, type PostgresqlArgs } from './postgresql-options.js';

const options = { ...commonOptions, ...postgresqlOptions, ...servicesRoleOptions, ...postgresqlAdminOptions };

export const postgresqlServicesRoleCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-services-role',
  describe:
    "Give the services' role the rows of the platform's tables and nothing else (made as a superuser, or checked), granted by their owner",
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => reconcileServicesRole(args, logger)),
};

export interface ServicesRoleArgs extends PostgresqlAdminArgs {
  servicesUser: string;
  servicesPasswordFile: string;
  servicesPasswordSecret: string;
}

const madeElsewhere = (role: string) =>
  "without the superuser's password (an existing PostgreSQL, or postgresql.auth.enablePostgresUser=false) " +
  `you make role ${role}: docs/postgresql.md gives the SQL`;

/**
 * The services role part's work: with a superuser's password, the role made as declared (and the
 * owner kept from creating databases); then its rights granted by the tables' owner; then the
 * role checked from itself.
 */
export async function reconcileServicesRole(args: PostgresqlArgs & CommonArgs & ServicesRoleArgs, logger: Logger): Promise<void> {
  const spec: ServicesRoleSpec = { role: args.servicesUser, owner: args.postgresqlUser };
  const identity = { user: spec.role, passwordFile: args.servicesPasswordFile, passwordSecret: args.servicesPasswordSecret };
  const admin = adminIdentity(args);
  if (admin) {
    const password = await rolePassword(identity, "the services' role's password");
    const outcome = await withDatabase(
      args,
      logger,
      "making the services' role",
      (client) => provisionServicesRole(client, spec, password),
      admin,
    );
    logger.info(
      outcome,
      `role ${spec.role} ${outcome.role}` + (outcome.ownerCreatedbRevoked ? `; ${spec.owner} may no longer create databases` : ''),
    );
  }
  const { roleExists, granted } = await withDatabase(args, logger, "granting the services' role", (client) =>
    grantServicesRole(client, spec),
  );
  if (!roleExists) {
    throw new ActionableError(`role ${spec.role} does not exist`, madeElsewhere(spec.role), [], ExitCode.invalidInput);
  }
  if (granted.length > 0) logger.info({ granted }, `granted role ${spec.role} what it lacked: ${granted.length} statement(s)`);
  const problems = await asPartRole(
    args,
    logger,
    "checking the services' role",
    identity,
    admin,
    madeElsewhere(spec.role),
    servicesRoleProblems,
  );
  if (problems.length > 0) {
    throw new ActionableError(
      `the services' role ${spec.role} is not as declared: ${problems.join('; ')}`,
      'someone outside the chart changed it: docs/postgresql.md says what the role may do; revoke the rest, or drop it and upgrade again',
      [],
      ExitCode.invalidInput,
    );
  }
  logger.info({ role: spec.role }, `the services' role is as declared: ${spec.role} reads and writes the platform's rows, nothing else`);
}
