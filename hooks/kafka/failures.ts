import { ActionableError } from '../../common/errors.js';
import type { FailureClass } from '../lib/retry.js';
import { certificateProblem, type TlsFiles } from '../lib/tls.js';

/** The fields of kafkajs errors (and Node socket errors) that classification reads. */
interface ErrorFields {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  code?: unknown;
  retriable?: unknown;
  broker?: unknown;
  topic?: unknown;
  cause?: unknown;
  errors?: unknown;
}

const notReady = 'check that the Kafka pods are Running and Ready (kubectl get pods -l app.kubernetes.io/name=kafka)';

/** Protocol errors that need a person, with what that person should do. */
const fatalProtocolErrors: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: "the hook's Kafka user lacks ACLs: grant it Create, Alter, Describe and DescribeConfigs on the topics",
  CLUSTER_AUTHORIZATION_FAILED: "the hook's Kafka user lacks ACLs: grant it Create on the cluster",
  GROUP_AUTHORIZATION_FAILED: "the check's Kafka user lacks ACLs: grant it Read on consumer groups named learnflow-check-*",
  INVALID_CONFIG: 'check kafkaTopics.topics.<name>.config for a misspelled config name or an invalid value',
  POLICY_VIOLATION: "the broker's create.topic.policy rejected the topic: adjust the topic to the policy",
  INVALID_PARTITIONS: 'partitions must be 1 or more and can only grow',
  INVALID_TOPIC_EXCEPTION: 'topic names may only contain letters, digits, ".", "_" and "-", up to 249 characters',
  UNSUPPORTED_VERSION: 'the broker is older than Kafka 0.11; LearnFlow needs Kafka 3.x',
  UNSUPPORTED_SASL_MECHANISM: "the broker's listener does not offer this SASL mechanism: match the client's mechanism to the listener",
};

/** Protocol errors that clear up by themselves (a broker joining, a leader being elected), with a hint for when they do not. */
const retriableProtocolHints: Record<string, string> = {
  INVALID_REPLICATION_FACTOR:
    'the replication factor is larger than the number of live brokers: wait for ' +
    'the brokers to join, or lower kafkaTopics.replicationFactor',
  UNKNOWN_TOPIC_OR_PARTITION: 'a topic was just created and the broker does not list it yet',
};

const insideKafkajs = /[\\/]node_modules[\\/]kafkajs[\\/]/;

const socketErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const slowBrokerErrors = new Set([
  'KafkaJSRequestTimeoutError',
  'KafkaJSTimeout',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSGroupCoordinatorNotFound',
]);

/** The values a user sets for TLS to Kafka, as messages name them. */
export const kafkaTlsValues = {
  protocol: 'kafka.listeners.client.protocol',
  ca: 'kafkaTopics.tls.caCertificate',
  client: 'kafkaTopics.tls',
} as const;

/** kafkajs's error for a connection the broker closed before answering, as a TLS listener closes a plaintext one. */
const closedConnection = (error: unknown): boolean => {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as ErrorFields;
  if (fields.name === 'KafkaJSNumberOfRetriesExceeded') return closedConnection(fields.cause);
  return fields.name === 'KafkaJSConnectionClosedError';
};

/** Plaintext to a TLS listener: how it shows, and what it means once a TLS handshake with the broker succeeded. */
export const plaintextToTls = {
  closedAtOnce: closedConnection,
  reason: (broker: string) => `the Kafka broker ${broker} speaks TLS, and the hooks connect in plaintext`,
  hint:
    `set ${kafkaTlsValues.protocol} to SASL_SSL (a managed Kafka's listener), ` +
    `and ${kafkaTlsValues.ca} to its CA unless a public one signs it`,
};

/** A failure to agree on TLS with a broker, with its cause and the value to set; undefined for any other failure. */
function tlsFailure(code: string, message: string, broker: string, tls: TlsFiles): FailureClass | undefined {
  const problem = certificateProblem(code);
  if (problem === 'untrusted') {
    const signer = tls.ca ? `the CA of ${kafkaTlsValues.ca}` : 'a CA Node trusts (no CA given)';
    return {
      retriable: false,
      reason: `the certificate of the Kafka broker${broker} is not signed by ${signer}: ${message}`,
      hint: `set ${kafkaTlsValues.ca} to a Secret holding the CA that signed the brokers' certificates (your provider publishes it)`,
    };
  }
  if (problem === 'not-valid-now') {
    return {
      retriable: false,
      reason: `the certificate of the Kafka broker${broker} is not valid now: ${message}`,
      hint: 'the broker needs a current certificate',
    };
  }
  if (problem === 'wrong-name') {
    return {
      retriable: false,
      reason: `the certificate of the Kafka broker${broker} does not name it: ${message}`,
      hint:
        "every address a client uses must be a name the brokers' certificates carry: kafkaTopics.bootstrapServers " +
        "(your provider's endpoint, not an address or alias) and the addresses the brokers advertise",
    };
  }
  if (/socket disconnected before secure TLS connection/i.test(message)) {
    return {
      retriable: true,
      reason: `the Kafka broker${broker} closed the connection during the TLS handshake: ${message}`,
      hint: `if this lasts, its listener does not speak TLS: set ${kafkaTlsValues.protocol} to SASL_PLAINTEXT (or PLAINTEXT)`,
    };
  }
  return undefined;
}

/**
 * Whether a Kafka failure is worth waiting out (the broker is starting, moving a leader, or
 * briefly unreachable) or needs a person (credentials, ACLs, invalid configuration, a certificate
 * that TLS (`tls`, undefined for plaintext) cannot trust), with the cause and the fix in words.
 */
export function classifyKafkaFailure(error: unknown, tls?: TlsFiles): FailureClass {
  if (error instanceof ActionableError) return { retriable: false, reason: error.message, hint: error.fix };
  const fields: ErrorFields = typeof error === 'object' && error !== null ? error : { message: String(error) };
  const name = typeof fields.name === 'string' ? fields.name : 'Error';
  const message = String(fields.message ?? error);

  // kafkajs wraps the last failure of its own retries, and batches per-topic failures.
  if (name === 'KafkaJSNumberOfRetriesExceeded' && fields.cause) return classifyKafkaFailure(fields.cause, tls);
  if (name === 'KafkaJSAggregateError' && Array.isArray(fields.errors) && fields.errors.length > 0) {
    const parts = fields.errors.map((part: unknown) => classifyKafkaFailure(part, tls));
    return parts.find((part) => !part.retriable) ?? parts[0]!;
  }

  if (name === 'KafkaJSSASLAuthenticationError') {
    return {
      retriable: false,
      reason: `the broker rejected the credentials: ${message}`,
      hint: 'check the SASL mechanism, user and password the hook uses (and the Secret they come from) against the Kafka listener',
    };
  }
  if (name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError') {
    const code = fields.code ?? (fields.cause as ErrorFields | undefined)?.code;
    const broker = typeof fields.broker === 'string' ? ` ${fields.broker}` : '';
    const tlsClass = tls && tlsFailure(typeof code === 'string' ? code : '', message, broker, tls);
    if (tlsClass) return tlsClass;
    return {
      retriable: true,
      reason: `cannot reach the Kafka broker${broker}: ${message}`,
      hint:
        code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'the broker address does not resolve: check kafkaTopics.bootstrapServers ' +
            '(or the release name) and that the Kafka Service exists'
          : `the broker is not accepting connections: ${notReady}`,
    };
  }
  // kafkajs throws this plain Error when a request reaches a broker whose connection never got an
  // answer to its first request (src/broker/index.js): a hung broker, as waitable as a closed one.
  if (name === 'Error' && message === 'Broker not connected') {
    return {
      retriable: true,
      reason: 'the Kafka broker accepted the connection but did not answer',
      hint: `the broker is hung or overloaded: ${notReady}`,
    };
  }
  if (name === 'TopicsNotSettled') {
    return {
      retriable: true,
      reason: message,
      hint: 'if this lasts, something else keeps changing these topics (another tool, or a second release managing them): stop it',
    };
  }
  if (slowBrokerErrors.has(name)) {
    return { retriable: true, reason: `the broker did not answer in time (${message})`, hint: notReady };
  }

  const type = typeof fields.type === 'string' ? fields.type : undefined;
  if (type) {
    const topic = typeof fields.topic === 'string' ? ` for topic ${fields.topic}` : '';
    const reason = `the broker answered ${type}${topic}: ${message}`;
    const fatalHint = fatalProtocolErrors[type];
    if (fatalHint) return { retriable: false, reason, hint: fatalHint };
    const retriableHint = retriableProtocolHints[type];
    if (retriableHint) return { retriable: true, reason, hint: retriableHint };
    return { retriable: fields.retriable === true, reason, hint: notReady };
  }

  // kafkajs turns "every broker connection failed" during a metadata read into a null result it
  // then dereferences (brokerPool.withBroker), so a broker going away surfaces as a TypeError.
  if (error instanceof TypeError && insideKafkajs.test(error.stack ?? '')) {
    return {
      retriable: true,
      reason: `the connection to the brokers dropped during a request (kafkajs: ${message})`,
      hint: `the broker went away: ${notReady}`,
    };
  }
  if (typeof fields.code === 'string' && socketErrorCodes.has(fields.code)) {
    return {
      retriable: true,
      reason: `cannot reach the Kafka broker: ${message}`,
      hint: `the broker is not accepting connections: ${notReady}`,
    };
  }
  return {
    retriable: false,
    reason: `${name}: ${message}`,
    hint: 'this is unexpected: the log lines above show what the program was doing; please report it with them',
  };
}
