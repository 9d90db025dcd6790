import type { Options } from 'yargs';
import { saslMechanisms } from '../kafka/client.js';
import { commaList } from './options.js';

/** How to reach Kafka (KafkaSettings): every command that talks to it takes these. */
export const kafkaConnectionOptions = {
  'kafka-brokers': {
    type: 'string',
    demandOption: true,
    describe: 'Bootstrap brokers, comma-separated host:port',
    coerce: commaList,
  },
  'kafka-sasl-mechanism': { choices: saslMechanisms, describe: 'SASL mechanism of the client listener (none: PLAINTEXT)' },
  'kafka-sasl-username': { type: 'string', describe: 'SASL user' },
  'kafka-sasl-password-file': {
    type: 'string',
    describe: 'File holding the SASL password (the chart mounts it from a Secret; never a flag, which would show in the process list)',
  },
  'kafka-tls': {
    type: 'boolean',
    default: false,
    describe: 'TLS to the brokers (SASL_SSL), each certificate verified and naming its broker',
  },
  'kafka-tls-ca-file': {
    type: 'string',
    describe: "PEM file of the CA that signs the brokers' certificates (default: Node's trusted roots)",
  },
} as const satisfies Record<string, Options>;

/** The topic commands': the connection and the catalogue. */
export const kafkaOptions = {
  ...kafkaConnectionOptions,
  'topics-file': { type: 'string', demandOption: true, describe: 'The topic catalogue (JSON) that the chart mounts' },
} as const satisfies Record<string, Options>;

/** Where the topic hook keeps its state between runs (TopicStateSettings); the Kubernetes options say how to reach it. */
export const topicStateOptions = {
  'state-configmap': {
    type: 'string',
    describe:
      'ConfigMap (in --namespace) where the hook records the config keys it set and its last outcome per topic; ' +
      'without it, a key removed from the catalogue stays on its topic',
  },
  release: { type: 'string', describe: 'The Helm release the ConfigMap belongs to (its app.kubernetes.io/instance label)' },
  'delete-unmanaged': {
    type: 'string',
    default: '',
    describe: 'Topics, comma-separated, to delete once the catalogue no longer lists them, if the hook managed them before',
    coerce: commaList,
  },
} as const satisfies Record<string, Options>;

/** The services user's ACLs, which the topic hook keeps when Kafka authorizes (profiles/production.yaml). */
export const kafkaAclOptions = {
  'kafka-services-user': {
    type: 'string',
    describe:
      "SASL user of the services: the hook gives it produce and consume rights on the catalogue's topics, " +
      'and removes any other ACL of it (for a Kafka with an authorizer; the hook itself must be a super user)',
  },
  'kafka-services-groups': {
    type: 'string',
    default: '',
    describe: 'Consumer groups, comma-separated, the services user may join; a name ending in * is a prefix',
    coerce: commaList,
  },
} as const satisfies Record<string, Options>;
