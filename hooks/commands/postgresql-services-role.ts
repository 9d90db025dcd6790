import type { CommandModule, InferredOptionTypes } from 'yargs';
import { reconcileServicesRole } from '../postgresql/services-role.js';
import { commonOptions } from './options.js';
import { postgresqlAdminOptions, postgresqlOptions, servicesRoleOptions } from './postgresql-options.js';
import { runHook } from './run.js';

const options = { ...commonOptions, ...postgresqlOptions, ...servicesRoleOptions, ...postgresqlAdminOptions };

export const postgresqlServicesRoleCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-services-role',
  describe:
    "Give the services' role the rows of the platform's tables and nothing else (made as a superuser, or checked), granted by their owner",
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => reconcileServicesRole(args, logger)),
};
