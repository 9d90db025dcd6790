import type { CommandModule, InferredOptionTypes } from 'yargs';
import { checkDapr, SubscriberApp } from '../dapr/check.js';
import { DaprSidecar } from '../dapr/sidecar.js';
import { createTemporaryTopic, removeTemporary } from '../kafka/round-trip.js';
import { withKafka } from './kafka-connection.js';
import { kafkaConnectionOptions } from './kafka-options.js';
import { commonOptions, runHook } from './options.js';

const options = {
  ...commonOptions,
  ...kafkaConnectionOptions,
  'dapr-http-port': {
    type: 'number',
    // The sidecar injector tells the app its port in DAPR_HTTP_PORT.
    default: Number(process.env['DAPR_HTTP_PORT'] ?? 3500),
    describe: "The sidecar's HTTP port",
  },
  'app-port': { type: 'number', default: 8080, describe: 'Port this program serves the subscription on (the dapr.io/app-port annotation)' },
  'pubsub-name': { type: 'string', default: 'pubsub-kafka', describe: 'The pub/sub component to check' },
  'statestore-name': { type: 'string', default: 'statestore', describe: 'The state store component to check' },
} as const;

export const daprCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'dapr-check',
  describe: 'Verify the Dapr sidecar, both components, a state round trip and a pub/sub round trip (helm test Job)',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const sidecar = new DaprSidecar(args.daprHttpPort);
      try {
        // Dapr does not create topics, and reads the subscriptions when the app starts listening.
        const topic = await withKafka(args, logger, 'learnflow-dapr-check', 'creating the temporary topic', createTemporaryTopic);
        const app = new SubscriberApp(args.pubsubName, topic);
        await app.listen(args.appPort);
        try {
          await checkDapr(app, {
            pubsub: args.pubsubName,
            statestore: args.statestoreName,
            topic,
            sidecar,
            timeoutMs: args.timeout * 1000,
            logger,
          });
        } finally {
          await app.close();
          await withKafka({ ...args, timeout: 30 }, logger, 'learnflow-dapr-check', 'removing the temporary topic', (admin) =>
            removeTemporary(admin, { topic }, logger),
          ).catch((error: unknown) =>
            logger.warn({ err: error, topic }, 'could not remove the temporary topic; it is safe to delete by hand'),
          );
        }
        logger.info('dapr check passed');
      } finally {
        // The sidecar would keep the Job's Pod running forever: stop it, pass or fail.
        await sidecar.call('POST', '/v1.0/shutdown').catch(() => undefined);
      }
    }),
};
