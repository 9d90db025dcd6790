import { describe, expect, it } from 'vitest';
import { render, renderError } from '../support/chart.js';

describe('values.schema.json and template checks reject bad values with a message that says where', () => {
  it.each([
    ['an illegal topic name', ['kafkaTopics.topics.bad/name.partitions=1'], "'bad/name' does not match pattern"],
    [
      'zero partitions',
      ['kafkaTopics.topics.learning\\.query.partitions=0'],
      "at '/kafkaTopics/topics/learning.query/partitions': minimum: got 0, want 1",
    ],
    [
      'a topic without partitions',
      ['kafkaTopics.topics.new\\.topic.config.retention\\.ms=1'],
      "at '/kafkaTopics/topics/new.topic': missing property 'partitions'",
    ],
    [
      'a misspelt topic config',
      ['kafkaTopics.topics.learning\\.query.config.retenton\\.ms=1'],
      "at '/kafkaTopics/topics/learning.query/config': additional properties 'retenton.ms' not allowed",
    ],
    [
      'a retention that is not a number',
      ['kafkaTopics.topics.learning\\.query.config.retention\\.ms=abc'],
      "at '/kafkaTopics/topics/learning.query/config/retention.ms': 'abc' does not match pattern",
    ],
    ['a replication factor below 1', ['kafkaTopics.replicationFactor=0'], "at '/kafkaTopics/replicationFactor': minimum: got 0, want 1"],
    ['an unknown key in kafkaTopics', ['kafkaTopics.topic.x=1'], "at '/kafkaTopics': additional properties 'topic' not allowed"],
    ['an unknown key in hooks', ['hooks.imageTag=1'], "at '/hooks': additional properties 'imageTag' not allowed"],
    ['an unknown key in tests', ['tests.kafka.timeout=5'], "at '/tests/kafka': additional properties 'timeout' not allowed"],
    [
      'a NetworkPolicy peer with both an IP block and a selector, which the API server refuses',
      ['networkPolicy.kafkaPeers[0].ipBlock.cidr=10.0.0.0/8', 'networkPolicy.kafkaPeers[0].podSelector.matchLabels.app=kafka'],
      "at '/networkPolicy/kafkaPeers/0': 'not' failed",
    ],
    ['an unknown top-level key', ['kafkaTopic.enabled=true'], "additional properties 'kafkaTopic' not allowed"],
    ['a malformed bootstrap address', ['kafkaTopics.bootstrapServers=kafka'], "at '/kafkaTopics/bootstrapServers'"],
    ['a malformed digest', ['hooks.image.digest=latest'], "at '/hooks/image/digest'"],
    ['an unknown log level', ['hooks.logLevel=verbose'], "at '/hooks/logLevel'"],
    [
      'an unknown key in postgresqlSchema',
      ['postgresqlSchema.testUser=false'],
      "at '/postgresqlSchema': additional properties 'testUser' not allowed",
    ],
    [
      'an unknown key in the deprecated database',
      ['database.testUser=false'],
      "at '/database': additional properties 'testUser' not allowed",
    ],
    ['a database host with a port', ['postgresqlSchema.host=db:5432'], "at '/postgresqlSchema/host'"],
    ['a port out of range', ['postgresqlSchema.port=70000'], "at '/postgresqlSchema/port': maximum: got 70,000, want 65,535"],
    ['an invalid Dapr component name', ['daprComponents.pubsub.name=Pub_Sub'], "at '/daprComponents/pubsub/name'"],
    [
      'a Kafka protocol version that is not x.y.z',
      ['daprComponents.pubsub.kafkaVersion=latest'],
      "at '/daprComponents/pubsub/kafkaVersion'",
    ],
    [
      "0.2's one consumer group for every service, which split each topic's messages between them",
      ['daprComponents.pubsub.consumerGroup=learnflow-services'],
      "at '/daprComponents/pubsub': additional properties 'consumerGroup' not allowed",
    ],
    ['an initial offset Dapr does not know', ['daprComponents.pubsub.initialOffset=earliest'], "at '/daprComponents/pubsub/initialOffset'"],
    [
      'a state table name that is not an identifier',
      ['daprComponents.statestore.tableName=dapr-state'],
      "at '/daprComponents/statestore/tableName'",
    ],
    ['an unknown key in tests.dapr', ['tests.dapr.appID=x'], "at '/tests/dapr': additional properties 'appID' not allowed"],
    ['an invalid credentials Secret name', ['global.learnflow.credentialsSecret=My_Secret'], "at '/global/learnflow/credentialsSecret'"],
  ])('%s', async (_case, set, message) => {
    expect(await renderError({ set })).toContain(message);
  });

  // Names reach object names, labels, host names, SQL and the state store's connection string.
  const identifier = "does not match pattern '^[a-z_][a-z0-9_]{0,62}$'";
  const kubernetesName = String.raw`does not match pattern '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'`;
  it.each([
    [
      'a database name that would add a libpq keyword',
      { postgresql: { auth: { database: 'learn flow sslmode=require' } } },
      `at '/postgresql/auth/database': 'learn flow sslmode=require' ${identifier}`,
    ],
    ['an application user that is no identifier', { postgresql: { auth: { username: 'Learn-Flow' } } }, `'Learn-Flow' ${identifier}`],
    [
      'an existing database named outside the identifiers',
      { postgresql: { enabled: false }, postgresqlSchema: { host: 'db', database: 'app db' } },
      `at '/postgresqlSchema/database': 'app db' ${identifier}`,
    ],
    ['a deprecated database.user that is no identifier', { database: { user: 'app;' } }, `at '/database/user': 'app;' ${identifier}`],
    [
      'a pull secret that would add hostPID to the Pods',
      { hooks: { imagePullSecrets: ['x\nhostPID: true'] } },
      `at '/hooks/imagePullSecrets/0': 'x\\nhostPID: true' ${kubernetesName}`,
    ],
    [
      'a global pull secret by a name no Secret can have',
      { global: { imagePullSecrets: [{ name: 'Pull_Secret' }] } },
      `at '/global/imagePullSecrets/0/name': 'Pull_Secret' ${kubernetesName}`,
    ],
    [
      "a credentials Secret's name with a line break",
      { global: { learnflow: { credentialsSecret: 'x\ny: z' } } },
      `at '/global/learnflow/credentialsSecret': 'x\\ny: z' ${kubernetesName}`,
    ],
    ['a fullnameOverride that is no DNS label', { fullnameOverride: 'Learn.Flow' }, "at '/fullnameOverride': 'Learn.Flow' does not match"],
    ['a nameOverride that is no DNS label', { nameOverride: 'a b' }, "at '/nameOverride': 'a b' does not match"],
    ['a Kafka fullnameOverride that is no DNS label', { kafka: { fullnameOverride: 'events: x' } }, "at '/kafka/fullnameOverride'"],
    ['a PostgreSQL fullnameOverride that is no DNS label', { postgresql: { fullnameOverride: 'DB' } }, "at '/postgresql/fullnameOverride'"],
    [
      'a PostgreSQL host with a label that starts with "-"',
      { postgresql: { enabled: false }, postgresqlSchema: { host: 'db.-x' } },
      "'db.-x' does not match",
    ],
    [
      'a cluster domain with a line break',
      { clusterDomain: 'cluster.local\nx: y' },
      "at '/clusterDomain': 'cluster.local\\nx: y' does not match",
    ],
    [
      'a bootstrap server whose name starts with "-"',
      { kafkaTopics: { bootstrapServers: 'kafka:9092,-x:9092' } },
      "at '/kafkaTopics/bootstrapServers'",
    ],
    [
      'a hooks registry with "," and "="',
      { hooks: { image: { registry: 'ghcr.io,x=y' } } },
      "at '/hooks/image/registry': 'ghcr.io,x=y' does not match",
    ],
    [
      'an uppercase hooks repository',
      { hooks: { image: { repository: 'LearnFlow/hooks' } } },
      "at '/hooks/image/repository': 'LearnFlow/hooks' does not match",
    ],
    ['a hooks tag with a space', { hooks: { image: { tag: '1 x' } } }, "at '/hooks/image/tag': '1 x' does not match"],
    [
      'a global registry with a space',
      { global: { imageRegistry: 'mirror example' } },
      "at '/global/imageRegistry': 'mirror example' does not match",
    ],
    ['an annotation key with a space', { hooks: { podAnnotations: { 'a b': 'c' } } }, "'a b' does not match pattern"],
    ['a label value with a line break', { hooks: { podLabels: { team: 'a\nb' } } }, "at '/hooks/podLabels/team': 'a\\nb' does not match"],
    [
      'a node selector value with a space',
      { hooks: { nodeSelector: { pool: 'a b' } } },
      "at '/hooks/nodeSelector/pool': 'a b' does not match",
    ],
    [
      'a toleration with a key of the Pod spec',
      { hooks: { tolerations: [{ hostPID: true }] } },
      "at '/hooks/tolerations/0': additional properties 'hostPID' not allowed",
    ],
    [
      'an affinity with a key of the Pod spec',
      { hooks: { affinity: { hostPID: true } } },
      "at '/hooks/affinity': additional properties 'hostPID' not allowed",
    ],
    [
      'a Pod security context with a key of the Pod spec',
      { hooks: { podSecurityContext: { hostPID: true } } },
      "at '/hooks/podSecurityContext': additional properties 'hostPID' not allowed",
    ],
    [
      'a container security context with an unknown key',
      { hooks: { containerSecurityContext: { hostPID: true } } },
      "at '/hooks/containerSecurityContext': additional properties 'hostPID' not allowed",
    ],
    [
      'resources with an unknown key',
      { hooks: { resources: { request: { cpu: 1 } } } },
      "at '/hooks/resources': additional properties 'request' not allowed",
    ],
    [
      'an egress rule with an unknown key',
      { networkPolicy: { extraEgress: [{ from: [] }] } },
      "at '/networkPolicy/extraEgress/0': additional properties 'from' not allowed",
    ],
  ])('%s', async (_case, values, message) => {
    expect(await renderError({ values })).toContain(message);
  });

  it('topic names that collide in Kafka metrics', async () => {
    expect(await renderError({ set: ['kafkaTopics.topics.learning_query.partitions=1'] })).toContain(
      'kafkaTopics.topics: "learning.query" and "learning_query" differ only in "." ' +
        'versus "_", which collide in Kafka\'s metric names: rename one',
    );
  });

  it("a replication factor above the number of this release's brokers, in either Kafka mode", async () => {
    const refused = (topics: string) =>
      `kafkaTopics.topics: the replication factor of ${topics} is more than the 1 broker(s) of this release's Kafka: ` +
      "lower it (kafkaTopics.replicationFactor, or a topic's replicationFactor), or run more brokers";
    expect(await renderError({ set: ['kafkaTopics.topics.learning\\.query.replicationFactor=2'] })).toContain(
      refused('learning.query (2)'),
    );
    const kraft = await renderError({ valuesFiles: ['profiles/kraft.yaml'], set: ['kafkaTopics.replicationFactor=3'] });
    expect(kraft).toContain(
      refused(
        'code.execution.request (3), code.execution.result (3), exercise.assigned (3), exercise.graded (3), ' +
          'exercise.submitted (3), learning.query (3), learning.response (3), progress.updated (3), struggle.detected (3)',
      ),
    );
    await render({ set: ['kafka.broker.replicaCount=3', 'kafkaTopics.replicationFactor=3'] });
    await render({ valuesFiles: ['profiles/kraft.yaml'], set: ['kafka.controller.replicaCount=3', 'kafkaTopics.replicationFactor=3'] });
  });

  it('a topic both declared and listed for deletion', async () => {
    expect(await renderError({ set: ['kafkaTopics.deleteUnmanaged={learning.query}'] })).toContain(
      'kafkaTopics.deleteUnmanaged lists "learning.query", which kafkaTopics.topics still declares: take it out of one of them',
    );
  });

  it("a min.insync.replicas above the topic's replication factor", async () => {
    expect(await renderError({ set: ['kafkaTopics.topics.learning\\.query.config.min\\.insync\\.replicas=2'] })).toContain(
      'kafkaTopics.topics.learning.query: config min.insync.replicas 2 is more than its replication factor 1, ' +
        'so no write with acks=all could ever succeed: lower it to 1 or less',
    );
  });

  it('no PostgreSQL to set up', async () => {
    expect(await renderError({ set: ['postgresql.enabled=false'] })).toContain(
      'postgresql.enabled is false and postgresqlSchema.host is empty: set postgresqlSchema.host',
    );
  });

  it('no Kafka to manage', async () => {
    expect(await renderError({ set: ['kafka.enabled=false'] })).toContain(
      'kafka.enabled is false and kafkaTopics.bootstrapServers is empty: set kafkaTopics.bootstrapServers',
    );
  });

  it('every problem at once, in one failure', async () => {
    const error = await renderError({
      set: ['kafka.enabled=false', 'postgresql.enabled=false', 'kafkaTopics.topics.learning_query.partitions=1'],
    });
    expect(error.match(/VALUES VALIDATION:/g)).toHaveLength(1);
    expect(error).toContain('kafka.enabled is false and kafkaTopics.bootstrapServers is empty');
    expect(error).toContain('"learning.query" and "learning_query" differ only in');
    expect(error).toContain('postgresql.enabled is false and postgresqlSchema.host is empty');
  });

  it.each([
    ['database', 'learnflow'],
    ['username', 'learnflow'],
  ])("a postgresqlSchema.%s that differs from what this release's PostgreSQL creates", async (key, created) => {
    expect(await renderError({ set: [`postgresqlSchema.${key}=other`] })).toContain(
      `postgresqlSchema.${key} is "other" but this release's PostgreSQL creates postgresql.auth.${key} "${created}": ` +
        `set postgresql.auth.${key} instead and leave postgresqlSchema.${key} empty (it follows)`,
    );
  });

  it('the same mismatch through the deprecated database.name', async () => {
    expect(await renderError({ set: ['database.name=other'] })).toContain('postgresqlSchema.database is "other"');
  });
});
