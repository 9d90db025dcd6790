import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyKafkaFailure } from '../../../../hooks/kafka/failures.js';
import { TopicsNotSettled } from '../../../../hooks/kafka/reconcile.js';
import { ActionableError } from '../../../../common/errors.js';

// The real kafkajs error classes, built the way kafkajs builds them.
const {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
  KafkaJSAggregateError,
  KafkaJSRequestTimeoutError,
} = kafkajs as unknown as Record<string, new (...args: unknown[]) => Error>;

const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError!({ message: `broker said ${type}`, type, code: 1, retriable });
const connectionError = (code: string) =>
  new KafkaJSConnectionError!(`Connection error: connect ${code} 127.0.0.1:9`, { broker: '127.0.0.1:9', code });

describe('classifyKafkaFailure', () => {
  it('waits out a broker that refuses connections, looking through kafkajs retries', () => {
    const error = new KafkaJSNumberOfRetriesExceeded!(connectionError('ECONNREFUSED'), { retryCount: 2, retryTime: 10 });
    expect(classifyKafkaFailure(error)).toEqual({
      retriable: true,
      reason: 'cannot reach the Kafka broker 127.0.0.1:9: Connection error: connect ECONNREFUSED 127.0.0.1:9',
      hint: expect.stringContaining('check that the Kafka pods are Running and Ready'),
    });
  });

  it('points at the address when the name does not resolve', () => {
    expect(classifyKafkaFailure(connectionError('ENOTFOUND')).hint).toContain('check kafkaTopics.bootstrapServers');
  });

  it('fails fast on bad credentials and on configs the broker rejects', () => {
    const sasl = classifyKafkaFailure(new KafkaJSSASLAuthenticationError!('SASL SCRAM SHA256 authentication failed'));
    expect(sasl).toMatchObject({ retriable: false, hint: expect.stringContaining('SASL mechanism, user and password') });
    const config = classifyKafkaFailure(protocolError('INVALID_CONFIG', false));
    expect(config).toMatchObject({ retriable: false, reason: 'the broker answered INVALID_CONFIG: broker said INVALID_CONFIG' });
  });

  it('waits out leader elections and brokers that are still joining', () => {
    expect(classifyKafkaFailure(protocolError('LEADER_NOT_AVAILABLE', true)).retriable).toBe(true);
    expect(classifyKafkaFailure(protocolError('INVALID_REPLICATION_FACTOR', false))).toMatchObject({
      retriable: true,
      hint: expect.stringContaining('lower kafkaTopics.replicationFactor'),
    });
    expect(classifyKafkaFailure(new KafkaJSRequestTimeoutError!('Request Metadata timed out')).retriable).toBe(true);
  });

  it('judges a batch by its worst failure', () => {
    const batch = new KafkaJSAggregateError!('Topic creation errors', [
      protocolError('LEADER_NOT_AVAILABLE', true),
      protocolError('POLICY_VIOLATION', false),
    ]);
    expect(classifyKafkaFailure(batch)).toMatchObject({ retriable: false, reason: expect.stringContaining('POLICY_VIOLATION') });
  });

  it('keeps the message and hint of our own errors, and reports anything else as a bug', () => {
    expect(classifyKafkaFailure(new ActionableError('refused', 'fix it'))).toEqual({ retriable: false, reason: 'refused', hint: 'fix it' });
    expect(classifyKafkaFailure(new TypeError('x is undefined'))).toMatchObject({ retriable: false, reason: 'TypeError: x is undefined' });
  });
});

describe('classifyKafkaFailure on a kafkajs defect', () => {
  it('waits out the TypeError kafkajs throws when every broker connection drops mid-request', () => {
    const error = new TypeError("Cannot destructure property 'topicMetadata' of '(intermediate value)' as it is null.");
    error.stack = `${error.message}\n    at Object.listTopics (/app/node_modules/kafkajs/src/admin/index.js:103:13)`;
    expect(classifyKafkaFailure(error)).toMatchObject({
      retriable: true,
      reason: expect.stringContaining('the connection to the brokers dropped'),
    });
  });
});

describe('classifyKafkaFailure on changes not visible yet', () => {
  it('waits for applied changes to show, and says what to do if they never do', () => {
    const error = new TopicsNotSettled({
      changes: [{ kind: 'add-partitions', topic: 'a', from: 1, to: 2 }],
      refusals: [],
      inSync: [],
      foreign: [],
      unmanaged: [],
      deletions: [],
    });
    expect(classifyKafkaFailure(error)).toEqual({
      retriable: true,
      reason: 'Kafka does not show the changes yet: add partitions to a: 1 -> 2',
      hint: expect.stringContaining('something else keeps changing these topics'),
    });
  });
});
