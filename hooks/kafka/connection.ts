// How the hooks reach Kafka: the brokers, the SASL login (its password a mounted Secret key), and
// the hooks' retry policy around each piece of work.
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { requireMountedFile } from '../lib/mounted-file.js';
import { retryOptions, retryUntil, type WaitSettings } from '../lib/retry.js';
import { createKafka, withAdmin, type SaslCredentials, type SaslMechanism } from './client.js';
import { classifyKafkaFailure } from './failures.js';
import type { Admin, Kafka } from './kafkajs.js';

/** Where Kafka is and who the hooks are to it (the --kafka-* options). */
export interface KafkaSettings extends WaitSettings {
  kafkaBrokers: string[];
  kafkaSaslMechanism?: SaslMechanism | undefined;
  kafkaSaslUsername?: string | undefined;
  kafkaSaslPasswordFile?: string | undefined;
}

/** The SASL credentials the settings name, the password read from its file; none without a mechanism. */
async function saslCredentials(settings: KafkaSettings): Promise<SaslCredentials | undefined> {
  const { kafkaSaslMechanism: mechanism, kafkaSaslUsername: username, kafkaSaslPasswordFile: passwordFile } = settings;
  if (!mechanism) return undefined;
  if (!username || !passwordFile) {
    throw new ActionableError(
      `--kafka-sasl-mechanism ${mechanism} needs --kafka-sasl-username and --kafka-sasl-password-file`,
      'the chart sets all three from kafka.sasl and its Secret',
      [],
      ExitCode.invalidInput,
    );
  }
  const password = await requireMountedFile({
    what: 'the Kafka SASL password file',
    path: passwordFile,
    from: 'the Secret of kafka.sasl.existingSecret',
  });
  return { mechanism, username, password };
}

/**
 * Runs `work` with a connected admin client (and the client, for producers and consumers), under
 * the hooks' retry policy: waiting for brokers that are not ready, failing fast on what waiting
 * cannot fix.
 */
export async function withKafka<T>(
  settings: KafkaSettings,
  logger: Logger,
  clientId: string,
  what: string,
  work: (admin: Admin, kafka: Kafka) => Promise<T>,
): Promise<T> {
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId, sasl: await saslCredentials(settings) }, logger);
  return retryUntil(() => withAdmin(kafka, (admin) => work(admin, kafka)), retryOptions(what, settings, logger, classifyKafkaFailure));
}
