import type { Options } from 'yargs';
import { commaList } from './options.js';

/** The Dapr check's sidecar and the components it checks (DaprCheckSettings). */
export const daprCheckOptions = {
  'dapr-http-port': {
    type: 'number',
    // The sidecar injector tells the app its port in DAPR_HTTP_PORT.
    default: Number(process.env['DAPR_HTTP_PORT'] ?? 3500),
    describe: "The sidecar's HTTP port",
  },
  'app-port': { type: 'number', default: 8080, describe: 'Port this program serves the subscription on (the dapr.io/app-port annotation)' },
  'pubsub-name': { type: 'string', default: 'pubsub-kafka', describe: 'The pub/sub component to check' },
  'statestore-name': { type: 'string', default: 'statestore', describe: 'The state store component to check' },
} as const satisfies Record<string, Options>;

/** The state store's own role, schema and tables (StatestoreSettings). */
export const statestoreOptions = {
  'statestore-user': { type: 'string', default: 'dapr', describe: "The state store's own role" },
  'statestore-schema': { type: 'string', default: 'dapr', describe: 'The schema the role owns, where the state store keeps its tables' },
  'statestore-tables': {
    type: 'string',
    default: 'dapr_state,dapr_metadata',
    coerce: commaList,
    describe: "The state store's tables, comma-separated: moved there from public if an earlier release left them there",
  },
  'statestore-password-file': { type: 'string', demandOption: true, describe: "File holding the role's password" },
  'statestore-password-secret': {
    type: 'string',
    default: 'the password file',
    describe: 'Where that password comes from, named in error messages',
  },
} as const satisfies Record<string, Options>;
