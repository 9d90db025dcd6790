// How the hooks reach Kafka: the brokers, TLS, the SASL login (its password a mounted Secret key),
// and the hooks' retry policy around each piece of work.
import { connect } from 'node:tls';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { requireMountedFile } from '../lib/mounted-file.js';
import { retryOptions, retryUntil, type WaitSettings } from '../lib/retry.js';
import { readTlsFiles } from '../lib/tls.js';
import { createKafka, withAdmin, type SaslCredentials, type SaslMechanism } from './client.js';
import { classifyKafkaFailure, kafkaTlsValues, plaintextToTls } from './failures.js';
import type { Admin, Kafka } from './kafkajs.js';

/** Where Kafka is and who the hooks are to it (the --kafka-* options). */
export interface KafkaSettings extends WaitSettings {
  kafkaBrokers: string[];
  kafkaSaslMechanism?: SaslMechanism | undefined;
  kafkaSaslUsername?: string | undefined;
  kafkaSaslPasswordFile?: string | undefined;
  kafkaTls?: boolean | undefined;
  kafkaTlsCaFile?: string | undefined;
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
  const tls = settings.kafkaTls ? await readTlsFiles('Kafka', { ca: settings.kafkaTlsCaFile }, kafkaTlsValues) : undefined;
  const ssl = tls && { ...(tls.ca && { ca: tls.ca }), rejectUnauthorized: true };
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId, sasl: await saslCredentials(settings), ssl }, logger);
  const attempt = async () => {
    try {
      return await withAdmin(kafka, (admin) => work(admin, kafka));
    } catch (error) {
      throw tls ? error : ((await tlsOnlyListener(error, settings.kafkaBrokers[0]!)) ?? error);
    }
  };
  return retryUntil(
    attempt,
    retryOptions(what, settings, logger, (error) => classifyKafkaFailure(error, tls)),
  );
}

/**
 * A broker that closed a plaintext connection at once may be a TLS listener, or one restarting:
 * a TLS handshake with it tells them apart, and the first gets a failure that waiting cannot fix.
 */
async function tlsOnlyListener(error: unknown, broker: string): Promise<ActionableError | undefined> {
  if (!plaintextToTls.closedAtOnce(error)) return undefined;
  const [host, port] = [broker.slice(0, broker.lastIndexOf(':')), Number(broker.slice(broker.lastIndexOf(':') + 1))];
  const speaksTls = await new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, servername: host, rejectUnauthorized: false, timeout: 3_000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
  return speaksTls ? new ActionableError(plaintextToTls.reason(broker), plaintextToTls.hint) : undefined;
}
